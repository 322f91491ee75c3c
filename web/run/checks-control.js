// What Python makes of the form and of the chosen data, asked as the reader edits: `check` judges the settings (the
// errors per field, the parameter count, a step's cost) and `preview` summarises the data (leaving the run alone).
// Python is the one validator; answers to superseded requests are dropped. This keeps what the latest answers said.

import { canPreview, isReady } from "../base/phases.js";
import { aboutText, calibrate, costText, runSeconds } from "../python/recovery.js";
import { emit } from "../base/events.js";
import { showMessage } from "./run-view.js";

const $ = (id) => document.getElementById(id);
const CHECK_DELAY_MS = 120;       // edits in quick succession are checked once

export class Checks {
  // ask(type, payload): a Session request the page counts as outstanding; page: {phase(), refresh()}; form(): the
  // settings form; data: the DataPanel; onData(payload): Python accepted the chosen data.
  constructor({ ask, page, form, data, onData }) {
    Object.assign(this, { ask, page, form, data, onData });
    this.timer = null;
    this.checkSeq = 0;
    this.dataSeq = 0;
    this.dataSummary = null;      // Python's summary of the data in the panel (or of the run's, once configured)
    this.dataOk = false;
    this.dataChecking = false;    // a preview is under way
    this.cost = null;             // Python's estimate of one training step for the settings
    this.numParams = null;        // and the model's size, when the settings are usable
    this.calibration = null;      // a finished run's measured time over its estimate (python/recovery.js)
  }

  get scheduled() {
    return this.timer !== null;
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.check();
    }, CHECK_DELAY_MS);
  }

  async check() {
    if (!isReady(this.page.phase())) return;
    const seq = ++this.checkSeq;
    const form = this.form();
    try {
      // The parameter count and the prefix depend on the vocabulary: they are judged for the previewed data, once
      // that is known.
      const vocabSize = this.dataSummary?.vocab_size;
      const result = await this.ask("check", { config: form.config(), sample_seed: form.value("sample_seed"),
        vocab_size: vocabSize, vocab: this.dataSummary?.vocab });
      if (seq !== this.checkSeq) return;
      const unplaced = form.showErrors(result.errors);
      showMessage("settings-message", unplaced.length ? { message: unplaced.join("; ") } : null);
      if (result.cost) this.cost = result.cost;
      this.numParams = vocabSize === undefined ? null : result.num_params;
      this.showCost();
      emit("checked", { config: form.config(), vocabSize, ok: result.num_params !== null });
    } catch (error) {
      if (seq === this.checkSeq) showMessage("settings-message", error);
    }
    this.page.refresh();
  }

  // The size and a run's length for the settings on the form, in the Settings card and in step 1's lead.
  showCost() {
    const steps = this.form().value("num_steps");
    $("param-count").textContent = this.numParams === null ? ""
      : costText(this.numParams, this.cost, steps, this.calibration);
    const seconds = this.numParams === null ? null : runSeconds(this.cost, steps, this.calibration);
    $("train-cost").textContent = seconds === null ? ""
      : `${aboutText(seconds)} a run here${this.calibration === null ? " (estimated)" : " (from your last run)"}.`;
  }

  // A run on these settings finished here, taking secondsPerStep of Python's time per step: later estimates follow it.
  measured(secondsPerStep) {
    this.calibration = calibrate(secondsPerStep, this.cost) ?? this.calibration;
    this.showCost();
  }

  // The chosen data's summary, from `preview`.
  async preview() {
    if (!canPreview(this.page.phase())) return;
    const { data: payload, reason } = this.data.current();
    const seq = ++this.dataSeq;
    this.dataOk = false;
    this.dataSummary = null;
    this.dataChecking = payload !== null;
    if (!payload) {
      this.data.showPending(reason);
      return this.page.refresh();
    }
    this.page.refresh();
    try {
      const summary = await this.ask("preview", { data: payload, config: this.form().config() });
      if (seq !== this.dataSeq) return;
      this.dataSummary = summary;
      this.dataOk = true;
      this.data.show(summary);
      this.schedule();
      this.onData(payload);
    } catch (error) {
      if (seq !== this.dataSeq) return;
      this.data.showError(error.message);
    }
    this.dataChecking = false;
    this.page.refresh();
  }

  // A run's `configure` or `load` reply summarises the data it holds.
  configured(summary) {
    this.dataSummary = summary;
  }

  // The worker is gone: nothing it said about the data holds until the new one previews it again.
  lost() {
    this.dataOk = false;
    this.dataChecking = false;
  }
}
