// Keeping and moving the model, wired: Download, Load (file picker, drop), and what this browser keeps over a reload
// (with Forget): each tab's latest model, every run, the form's settings. It talks to Python through `request`, hands
// a loaded model to the app through `adopt`, and stores the copies keep/last-model-control.js takes (the one owner of
// the last checkpoint: this module never asks the worker for one itself). What it says and what an entry must be come
// from keep.js, the storage from store-control.js, the card from keep-view.js.
//
// Two tabs keep side by side: runs are stored one entry each and models one entry per tab (sessionStorage names the
// tab, so a reload finds its own), and a BroadcastChannel tells the other tabs when runs change or everything is
// forgotten. Forget clears everything kept; what was under way then is not stored again (only what is trained or
// loaded after it).

import { LEGACY, MODEL_PREFIX, RUN_PREFIX, checkpointFileName, droppedNotice, keptModel, loadedStatus, modelsToDrop,
  pickModel, readKept, restoredNotice, storageProblem } from "./keep.js";
import { mergeRuns } from "../runs/runs.js";
import { Store } from "./store-control.js";
import { ModelPanel } from "./keep-view.js";

const SETTINGS_DELAY_MS = 400;      // typing settles before its settings are written
const CHANNEL = "microgpt-kept";

// This tab's name: kept for the tab's life (a reload keeps it), new in a new tab.
function tabName() {
  const fresh = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  try {
    const named = sessionStorage.getItem("microgpt-tab");
    if (named) return named;
    sessionStorage.setItem("microgpt-tab", fresh);
  } catch {
    // no sessionStorage (blocked storage): a name for this page's life
  }
  return fresh;
}

export class ModelKeeper {
  // request(type, payload): a Session request. defaults: {setting: default}. lastModel: the LastModel.
  // adopt(info, events, {checkpoint, persist}): show a loaded model (settings, step, curve) and enter the phase it
  // allows. saveNow(): a fresh copy of the run's checkpoint (Download), through the LastModel. currentData(): the data
  // payload the page shows, or null. readSettings()/applySettings(saved): the page's state as this browser keeps it
  // (settings/state.js toStored; saved is judged by fromStored). runs(): the run list shown; applyRuns(runs): show
  // this list.
  constructor({ request, defaults, lastModel, adopt, saveNow, currentData, readSettings, applySettings,
    runs = () => [], applyRuns = () => {} }) {
    Object.assign(this, { request, defaults, lastModel, adopt, saveNow, currentData, readSettings, applySettings, runs,
      applyRuns });
    this.tab = tabName();
    this.runCount = 0;
    this.restored = false;
    this.settingsTimer = null;
    this.pending = 0;
    this.written = new Map();   // run key → the JSON this tab last knew storage to hold for it
    this.forgottenAt = 0;       // Forget: what began before this is not stored again
    this.store = new Store((error) => this.problem(error));
    this.panel = new ModelPanel({
      onFile: (file) => this.loadFile(file),
      onDownload: () => this.download(),
      onForget: () => this.forget(),
    });
    this.showKept(null);
    lastModel.onKept((copy, { persist }) => {
      if (persist) this.keepModel(copy);
      else this.showKept(copy);
    });
    try {
      this.channel = new BroadcastChannel(CHANNEL);
      this.channel.onmessage = ({ data }) => this.heard(data);
    } catch {
      this.channel = null;      // no other tab hears of changes; a reload still shows everything stored
    }
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
    if (this.forgottenAt && !this.keepable(model?.startedAt)) {
      this.panel.showKept("Forgotten: this browser keeps nothing for this page now; what you train or load next is " +
        "kept.", false);
      return;
    }
    this.panel.showKept(model ? `This browser keeps your latest model (step ${model.step.toLocaleString("en")}), ` +
      "your settings and runs." : "This browser keeps your settings and runs; your model once you train one.", true);
  }

  // Something that began at `startedAt` (ms since 1970) may be stored: it began after the last Forget.
  keepable(startedAt) {
    return (startedAt ?? 0) > this.forgottenAt;
  }

  // The name of a new run's record: this tab's name first, so that every tab knows whose it is.
  newRunKey() {
    return `${this.tab}/${Date.now().toString(36)}-${++this.runCount}`;
  }

  own(key) {
    return typeof key === "string" && key.startsWith(`${this.tab}/`);
  }

  // download/load: there is a model; load: the page can take one now (not while training). reason: why not.
  setEnabled({ download, load, reason }) {
    this.panel.setEnabled({ download, load, reason });
  }

  // After a reload (once per page): what was kept, checked entry by entry (one that cannot be used is dropped and said
  // once; an older page's entries are rewritten); the kept settings if the link brought none, the runs, the model.
  restore({ linkHasSettings }) {
    if (this.restored) return Promise.resolve();
    this.restored = true;
    return this.track(async () => {
      const kept = readKept(await this.store.entries());
      for (const [key, , problem] of kept.bad) console.warn(`microgpt: dropped the kept entry ${key}: ${problem}`);
      const legacyRuns = kept.legacy.includes(LEGACY.runs) ? kept.runs.filter((run) => run.key.startsWith("legacy/"))
        : [];
      await this.store.write({
        put: legacyRuns.map((run) => [RUN_PREFIX + run.key, run]),
        remove: [...new Set([...kept.bad.map(([key]) => key), ...kept.legacy, ...modelsToDrop(kept.models, this.tab)])],
      });
      if (kept.settings && !linkHasSettings) this.applySettings(kept.settings);
      this.mergeStored(kept.runs);
      const model = pickModel(kept.models, this.tab);
      let restored = null;
      if (model) {
        const ok = await this.load(model.checkpoint,
          { fileName: "the model this browser kept", events: model.events ?? [], persist: false,
            phase: model.phase ?? null });
        if (ok) restored = restoredNotice(model);
      }
      const notice = [restored, droppedNotice(kept.bad)].filter(Boolean).join(" ");
      this.panel.showRestored(notice || null);
      this.showKept(this.lastModel.copy);
    });
  }

  // The runs storage holds become part of the list shown (another tab's, or this tab's from before a reload).
  mergeStored(stored, deleted = new Set()) {
    for (const run of stored) this.written.set(run.key, JSON.stringify(run));
    for (const key of deleted) this.written.delete(key);
    this.applyRuns(mergeRuns({ mine: this.runs(), stored, own: (key) => this.own(key), deleted }));
  }

  // The LastModel took a new copy of the run: it becomes this tab's kept model (unless it began before a Forget).
  keepModel(copy) {
    if (!this.keepable(copy.startedAt)) return this.showKept(copy);
    return this.track(async () => {
      const info = { ...copy.info, step: copy.step };
      const model = { ...keptModel({ checkpoint: copy.checkpoint, info, phase: copy.phase ?? null }), events: [...(copy.events ?? [])],
        startedAt: copy.startedAt };
      await this.store.put(`${MODEL_PREFIX}${this.tab}`, model);
      this.showKept(model);
    });
  }

  // The run list changed here: write the records that changed, delete those gone, and tell the other tabs.
  keepRuns(runs) {
    return this.track(async () => {
      const now = new Set(runs.map((run) => run.key));
      const put = [];
      for (const run of runs) {
        if (!run.key || !this.keepable(run.started_at ?? run.finished_at)) continue;
        const json = JSON.stringify(run);
        if (this.written.get(run.key) !== json) {
          put.push([RUN_PREFIX + run.key, run]);
          this.written.set(run.key, json);
        }
      }
      const remove = [...this.written.keys()].filter((key) => !now.has(key));
      for (const key of remove) this.written.delete(key);
      if (put.length === 0 && remove.length === 0) return;
      await this.store.write({ put, remove: remove.map((key) => RUN_PREFIX + key) });
      this.channel?.postMessage({ type: "runs", deleted: remove });
    });
  }

  // Another tab changed the runs, or forgot everything.
  heard(message) {
    if (message?.type === "forgotten" && Number.isFinite(message.at)) {
      this.forgottenAt = Math.max(this.forgottenAt, message.at);
      this.written.clear();
      this.showKept(this.lastModel.copy);
    } else if (message?.type === "runs" && Array.isArray(message.deleted)) {
      this.track(async () => {
        const stored = readKept(await this.store.startingWith(RUN_PREFIX)).runs;
        this.mergeStored(stored, new Set(message.deleted.filter((key) => typeof key === "string")));
      });
    }
  }

  settingsChanged() {
    clearTimeout(this.settingsTimer);
    this.settingsTimer = setTimeout(() => {
      this.settingsTimer = null;
      this.track(() => this.store.put("settings", this.readSettings()));
    }, SETTINGS_DELAY_MS);
  }

  async download() {
    await this.track(async () => {
      try {
        const { checkpoint, info } = await this.saveNow();
        const saved = JSON.parse(checkpoint);
        const name = checkpointFileName(saved.config, saved.step, this.defaults, { edited: Boolean(info?.edited) });
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
  // persist: keep it in this browser (a file; not the model this browser just gave back).
  // phase: the phase the page was in when this browser kept it (a kept model), else null.
  load(text, { fileName = null, events = [], persist = true, phase = null } = {}) {
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
      this.adopt(info, events, { checkpoint: text, persist, phase });
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

  // Forget: everything this browser keeps for the page, in every tab; the model and runs in the page stay until they
  // are replaced, and what is under way now is not stored again when it finishes.
  forget() {
    return this.track(async () => {
      this.forgottenAt = Date.now();
      this.written.clear();
      clearTimeout(this.settingsTimer);
      this.settingsTimer = null;
      await this.store.clear();
      this.channel?.postMessage({ type: "forgotten", at: this.forgottenAt });
      this.panel.showRestored(null);
      this.showKept(this.lastModel.copy);
    });
  }
}
