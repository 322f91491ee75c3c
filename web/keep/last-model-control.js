// The one owner of the current run's last checkpoint. It alone asks the worker for it: during training every few
// seconds (python/recovery.js says how often: never so often that saving slows training), at pause, stop, done,
// divergence and Step once; a loaded model's checkpoint it takes as loaded. Every new copy goes to whoever listens:
// keep-control.js stores it in this browser (so a reload brings the run back, resumable), and after a lost worker
// run/run-control.js loads the copy into the new worker. Download asks it for a fresh copy too.

import { saveDue } from "../python/recovery.js";

export class LastModel {
  // request(type, payload): a Session request.
  constructor(request) {
    this.request = request;
    this.copy = null;          // {checkpoint, config, data, step, info, events, startedAt, phase}: the run as last saved
    this.savedAt = 0;
    this.startedAt = null;     // when the run began (Date.now()), kept with its copy
    this.saveMs = 0;           // how long the last save took (asking the worker and storing it)
    this.listeners = [];
  }

  get step() {
    return this.copy?.step ?? null;
  }

  // listener(copy, {persist}): a new copy; persist: it is new to this browser (not one just restored from it).
  onKept(listener) {
    this.listeners.push(listener);
  }

  tell(persist) {
    for (const listener of this.listeners) listener(this.copy, { persist });
  }

  // A new run began at `now` (performance.now()): nothing of it is kept yet, and the clock for the next save starts.
  started(now) {
    this.copy = null;
    this.savedAt = now;
    this.startedAt = Date.now();
  }

  // The run is gone (Reset, or another run replaces it).
  forget() {
    this.copy = null;
  }

  due(now) {
    return saveDue(this.savedAt, now, this.saveMs);
  }

  // Ask the worker for the run's checkpoint and the step it holds. describe(): {config, data, info, events} of the run
  // once it answers; isCurrent(): the run is still the page's. Quietly, a failure only means no new copy (the worker was
  // lost meanwhile, and the previous copy stays); otherwise (Download) it is thrown. Returns the copy.
  async keep(describe, isCurrent, { quiet = true } = {}) {
    const start = performance.now();
    this.savedAt = start;
    try {
      const { checkpoint, step } = await this.request("save");
      if (isCurrent()) {
        this.copy = { checkpoint, ...describe(), step, startedAt: this.startedAt ?? Date.now() };
        this.tell(true);
      }
    } catch (error) {
      if (!quiet) throw error;
    }
    this.saveMs = performance.now() - start;
    return this.copy;
  }

  // The page is in `phase` now (one with a model): the copy says so too, and is kept again if that changed it.
  followPhase(phase) {
    if (!this.copy || this.copy.phase === phase) return;
    this.copy = { ...this.copy, phase };
    this.tell(true);
  }

  // A model from a checkpoint (a file, or the one this browser kept) is the run now, from now on.
  adopted(copy, { persist }) {
    this.startedAt = Date.now();
    this.savedAt = performance.now();
    this.copy = { ...copy, startedAt: this.startedAt };
    this.tell(persist);
  }

  // A copy loaded into a new worker is the run now, at the step its checkpoint holds.
  restored(copy, step) {
    this.copy = { ...copy, step };
    this.savedAt = performance.now();
  }
}
