// The current run's last checkpoint, kept in memory so that a lost worker does not cost the reader their model: asked
// of the worker at pause, stop, done, divergence and every SAVE_EVERY_MS of training (python/recovery.js says when and
// why). After a restart, run/run-control.js loads it into the new worker.

import { saveDue } from "../python/recovery.js";

export class LastModel {
  // request(type, payload): a Session request.
  constructor(request) {
    this.request = request;
    this.copy = null;          // {checkpoint, config, data, step}: the run as last saved
    this.savedAt = 0;
  }

  get step() {
    return this.copy?.step ?? null;
  }

  // A new run began at `now`: nothing of it is kept yet, and the clock for the next save starts.
  started(now) {
    this.copy = null;
    this.savedAt = now;
  }

  // The run is gone (Reset, or another run replaces it).
  forget() {
    this.copy = null;
  }

  due(now) {
    return saveDue(this.savedAt, now);
  }

  // Ask the worker for the run's checkpoint and the step it holds. describe(): {config, data} of the run once it
  // answers; isCurrent(): the run is still the page's. A failure only means no new copy: the worker was lost
  // meanwhile, and the previous copy stays.
  async keep(describe, isCurrent) {
    this.savedAt = performance.now();
    try {
      const { checkpoint, step } = await this.request("save");
      if (isCurrent()) this.copy = { checkpoint, ...describe(), step };
    } catch {
      // the previous copy stays
    }
  }

  // A copy loaded into a new worker is the run now, at the step its checkpoint holds.
  restored(copy, step) {
    this.copy = { ...copy, step };
  }
}
