// Keeping and moving the model, wired: Download, Load (file picker, drop), the latest model kept in IndexedDB after
// every training request and restored after a reload (with Forget), the form's settings and the run list kept
// likewise. It talks to Python through `request` and hands a loaded model to the app through `adopt`; what it says
// and names comes from keep.js, the storage from store-control.js, the card from keep-view.js.
//
// `latest` is the page's one notion of "the last checkpoint": what Download saves, what the store keeps, and what a
// restarted worker can be given back.

import { checkpointFileName, keptModel, loadedStatus, restoredNotice, storageProblem } from "./keep.js";
import { KEYS, Store } from "./store-control.js";
import { ModelPanel } from "./keep-view.js";

const SETTINGS_DELAY_MS = 400;      // typing settles before its settings are written

export class ModelKeeper {
  // request(type, payload): a Session request. defaults: {setting: default}. adopt(info, events): show a loaded model
  // (settings, step, curve) and enter the phase it allows. currentData(): the data payload the page shows, or null.
  // readSettings()/applySettings(saved): the page's state as this browser keeps it (settings/state.js toStored; saved is
  // judged by fromStored). applyRuns(runs): a kept run list.
  constructor({ request, defaults, adopt, currentData, readSettings, applySettings, applyRuns = () => {} }) {
    Object.assign(this, { request, defaults, adopt, currentData, readSettings, applySettings, applyRuns });
    this.latest = null;         // {checkpoint, info, events}
    this.restored = false;
    this.settingsTimer = null;
    this.pending = 0;
    this.store = new Store((error) => this.problem(error));
    this.panel = new ModelPanel({
      onFile: (file) => this.loadFile(file),
      onDownload: () => this.download(),
      onForget: () => this.forget(),
    });
    this.showKept(null);
  }

  // Requests in flight or writes pending: the tests wait for none.
  busy() {
    return this.pending > 0 || this.settingsTimer !== null;
  }

  async track(work) {
    this.pending++;
    try {
      return await work();
    } finally {
      this.pending--;
    }
  }

  problem(error) {
    this.panel.showKept(storageProblem(error), false);
    console.warn("microgpt: storage unavailable:", error);
  }

  showKept(model) {
    if (this.store.failed) return;
    this.panel.showKept(model ? `This browser keeps your latest model (step ${model.step.toLocaleString("en")}), ` +
      "your settings and runs." : "This browser keeps your settings and runs; your model once you train one.", true);
  }

  // download: there is a model; load: the page can take one now (not while training). reason: why not.
  setEnabled({ download, load, reason }) {
    this.panel.setEnabled({ download, load, reason });
  }

  // After a reload (once per page): the kept settings if the link brought none, then the kept model and runs.
  restore({ linkHasSettings }) {
    if (this.restored) return Promise.resolve();
    this.restored = true;
    return this.track(async () => {
      const kept = await this.store.getAll();
      if (kept.settings && !linkHasSettings) this.applySettings(kept.settings);
      if (Array.isArray(kept.runs)) this.applyRuns(kept.runs);
      if (kept.model?.checkpoint) {
        const ok = await this.load(kept.model.checkpoint, { fileName: "the model this browser kept",
          events: kept.model.events ?? [], keep: false, phase: kept.model.phase ?? null });
        if (ok) this.panel.showRestored(restoredNotice(kept.model));
      }
      this.showKept(kept.model);
    });
  }

  // The model the worker holds now becomes the latest: after a training request ends, Stop, Step once, and a load.
  // phase: the page's phase with it (paused, stopped or done), which a reload brings back.
  keep(info, events, phase = null) {
    return this.track(async () => {
      // The summary is from when the run started or was loaded; the step is where training has got to since (a
      // step whose held-out evaluation a pause interrupted is taken, though its event is still to come).
      const { checkpoint, step } = await this.request("save");
      const now = { ...info, step };
      this.latest = { checkpoint, info: now, events: [...events] };
      const model = { ...keptModel({ checkpoint, info: now, phase }), events: this.latest.events };
      await this.store.put(KEYS.model, model);
      this.showKept(model);
    });
  }

  keepRuns(runs) {
    return this.track(() => this.store.put(KEYS.runs, runs));
  }

  settingsChanged() {
    clearTimeout(this.settingsTimer);
    this.settingsTimer = setTimeout(() => {
      this.settingsTimer = null;
      this.track(() => this.store.put(KEYS.settings, this.readSettings()));
    }, SETTINGS_DELAY_MS);
  }

  async download() {
    await this.track(async () => {
      try {
        const { checkpoint } = await this.request("save");
        const saved = JSON.parse(checkpoint);
        const name = checkpointFileName(saved.config, saved.step, this.defaults,
          { edited: Boolean(this.latest?.info?.edited) });
        this.panel.offer(checkpoint, name);
        this.panel.showError(null);
      } catch (error) {
        this.panel.showError(error);
      }
    });
  }

  async loadFile(file) {
    let text;
    try {
      text = await file.text();
    } catch (error) {
      return this.panel.showError({ message: `${file.name}: cannot be read (${error.message})` });
    }
    const ok = await this.load(text, { fileName: file.name });
    if (ok) this.panel.showRestored(null);
  }

  // Hand a checkpoint to Python with the page's data (so it can resume if that is its data), then to the app.
  // phase: the phase the page was in when this browser kept it (a kept model), else null.
  load(text, { fileName = null, events = [], keep = true, phase = null } = {}) {
    return this.track(async () => {
      let info;
      try {
        info = await this.request("load", { checkpoint: text, name: fileName ?? undefined,
          data: this.currentData() ?? undefined });
      } catch (error) {
        this.panel.showError(error);
        return false;
      }
      this.panel.showError(null);
      this.panel.showStatus(loadedStatus(info, fileName));
      this.adopt(info, events, phase);
      if (keep) await this.keep(info, events);
      else this.latest = { checkpoint: text, info, events: [...events] };
      return true;
    });
  }

  // The data changed under a loaded model that lacks its data: if this is its data, it can resume now.
  async dataChosen(info, data) {
    if (!info || info.resumable || info.step >= info.config.num_steps || !data) return null;
    return this.track(async () => {
      try {
        const attached = await this.request("attach", { data });
        this.panel.showStatus(loadedStatus(attached));
        return attached;
      } catch {
        return null;        // not its data: the status already names the data it needs
      }
    });
  }

  // Forget: everything this browser keeps for the page; the model in the page stays until it is replaced.
  forget() {
    return this.track(async () => {
      await this.store.clear();
      this.panel.showRestored(null);
      if (!this.store.failed) this.panel.showKept("Forgotten: this browser keeps nothing for this page now.", false);
    });
  }
}
