// The page's run against the worker: Train (`configure`, then `train` in chunks), Pause, Resume, Stop, one step under
// the microscope, Reset, Generate, an experiment's turn with the Session, a model from a checkpoint, and after a lost
// worker the last model brought back. It keeps which run is current (answers and chunks of an abandoned run are
// dropped) and what that run has shown (summary, events, samples), and tells the views through base/events.js.
// base/phases.js decides which phase comes next; this module only moves the page there.

import { AFTER_TRAINING, afterFailedTraining, afterLoading, experimentRefusal, halting, hasModel, isRunning }
  from "../base/phases.js";
import { finishedRun } from "../learn/experiments.js";
import { chunkDeadlineMs, eventsUpTo, lostText, sampleDeadlineMs, stepOnceDeadlineMs } from "../python/recovery.js";
import { emit, pythonReady } from "../base/events.js";
import { showBanner, showMessage } from "./run-view.js";
import { TIMELINE_NAMES } from "./ghost.js";

const $ = (id) => document.getElementById(id);

export class RunControl {
  // request(type, payload, options): a Session request; page: {phase(), setPhase(phase), refresh()}; form(): the
  // settings form; data: the DataPanel; checks: the Checks; lastModel: the LastModel; hooks: {startWorker(), edited():
  // the Code card's edited model.py or undefined, keeper(): the ModelKeeper or null, adoptSettings(config, edited): a
  // loaded model's settings become the page's (state-control.js), busy(): why an experiment cannot have the Session
  // now besides the page's phase (Train both's other run), or ""}.
  constructor({ request, page, form, data, checks, lastModel, hooks }) {
    Object.assign(this, { request, page, form, data, checks, lastModel, hooks });
    this.run = 0;                   // bumped whenever the page's run changes
    this.summary = null;            // the `configure` (or `load`) reply of the run on screen
    this.events = [];               // its training events, as the chart shows them
    this.runData = null;            // the data it trained on (the `configure` payload), null when the page lacks it
    this.samples = [];
    this.sampleCount = 0;
    this.sampling = 0;              // `sample` requests under way
    this.timings = {};              // when Train was pressed, training started, took its first step, ended; the
                                    // seconds Python spent in its chunks
    this.trainWhenReady = false;    // the embed widget's Train, pressed before Python was there
    this.restoring = null;          // a lost worker's last model, loaded once the new worker is ready
    this.diverged = false;          // the run on screen blew up
  }

  // settings: {config, data} to train instead of the form's and the Data panel's (Train both's previous settings,
  // trained first when the two go one after another: run/both-control.js).
  async train(settings = null) {
    if (this.page.phase() === "dormant") {
      this.timings.trainPressed = performance.now();
      this.trainWhenReady = true;
      return this.hooks.startWorker();
    }
    const run = ++this.run;
    this.timings = { ...this.timings, trainStart: performance.now(), trainEnd: null, firstStep: null, python: 0 };
    showBanner(null);
    showMessage("train-message", null);
    this.page.setPhase("starting");
    const data = settings ? settings.data : this.data.current().data;
    let summary;
    try {
      summary = await this.request("configure", settings ? { config: settings.config, data }
        : { config: this.form().config(), data, edited: this.hooks.edited() || undefined });
    } catch (error) {
      if (run !== this.run) return;
      showMessage("train-message", error);
      return this.page.setPhase("idle");
    }
    if (run !== this.run) return;
    this.summary = summary;
    this.checks.configured(summary);
    this.events = [];
    this.diverged = false;
    this.lastModel.started(performance.now());
    this.runData = data;
    emit("configured", summary);
    this.continueTraining(run);
  }

  async continueTraining(run = this.run) {
    this.page.setPhase("training");
    try {
      const result = await this.request("train", { timeline: TIMELINE_NAMES },
        { onProgress: (chunk) => this.progress(run, chunk), timeoutMs: chunkDeadlineMs(this.checks.cost) });
      if (run !== this.run) return;
      if (result.reason === "done") this.timings.trainEnd = performance.now();
      if (result.reason === "diverged") {
        this.diverged = true;
        showMessage("train-message", { message: result.message });
        emit("diverged", { step: result.step, loss: result.loss, message: result.message });
      }
      this.keepLastModel(run);
      this.page.setPhase(AFTER_TRAINING[result.reason]);
      emit("finished", { reason: result.reason, message: result.message });
      // The names are what a run is for: a finished run shows them at once (when the sampling settings are usable).
      if (result.reason === "done" && !$("generate").disabled) this.generate();
    } catch (error) {
      if (run !== this.run) return;
      showMessage("train-message", error);
      this.page.setPhase(afterFailedTraining(this.events.length > 0 || Boolean(this.summary?.step)));
      emit("finished", { reason: "error", message: error.message });
      if (hasModel(this.page.phase())) this.keepLastModel(run);
    }
  }

  progress(run, chunk) {
    if (run !== this.run) return;       // a chunk of a run the page has already abandoned
    if (chunk.events.length) this.timings.firstStep ??= performance.now();
    this.timings.python = (this.timings.python ?? 0) + (chunk.elapsed ?? 0);    // a loaded model has no train()
    this.events.push(...chunk.events);
    emit("progress", chunk);
    if (this.lastModel.due(performance.now())) this.keepLastModel(run);
  }

  // The LastModel (the one owner of the run's last checkpoint) takes a copy of the model the worker holds now; this
  // browser keeps it. Returns the copy (quiet: false, for Download: a failure is thrown).
  keepLastModel(run = this.run, { quiet = true } = {}) {
    return this.lastModel.keep(
      () => ({ config: this.summary.config, data: this.runData, info: this.summary, events: [...this.events],
        phase: this.page.phase() }),
      () => run === this.run, { quiet });
  }

  // One training step under the microscope, while paused: the step the loop would take next, with what it did.
  async stepOnce() {
    $("step-once").disabled = true;
    try {
      const reply = await this.takeStep("step_once", {});
      if (reply) emit("stepped", reply);
    } catch (error) {
      showMessage("train-message", error);
    }
    this.page.refresh();
  }

  // One training step while paused: "Step once" (`step_once`) or "Step once on this name" (`trace` with grad,
  // whose step is its `training_step`). The chart, the phase and the kept model follow it as any step. Resolves
  // with the reply, or null when the page moved to another run meanwhile; a refused step rejects.
  async takeStep(type, payload) {
    const run = this.run;
    let reply;
    try {
      reply = await this.request(type, payload, { timeoutMs: stepOnceDeadlineMs(this.checks.cost) });
    } catch (error) {
      if (run !== this.run) return null;
      throw error;
    }
    if (run !== this.run) return null;
    const step = reply.training_step ?? reply;
    const events = step.evaluated ? [step.evaluated, step.event] : [step.event];
    this.progress(run, { events, step: reply.step, num_steps: reply.num_steps, done: reply.done,
      steps_per_sec: null });
    if (reply.done) {
      this.page.setPhase("done");
      emit("finished", { reason: "done" });
    }
    // What a lost worker brings back is what this browser keeps: the model after this step.
    this.keepLastModel(run);
    this.page.refresh();
    return reply;
  }

  // Pause or Stop: the worker ends its chunk and answers the `train` request (a paused run stops at once).
  halt(kind) {
    const next = halting(this.page.phase(), kind);
    this.page.setPhase(next);
    if (next === "stopped") {
      emit("finished", { reason: "stop" });
      return this.keepLastModel(this.run);     // kept as stopped: a reload brings it back stopped, not paused
    }
    this.request(kind).catch((error) => showMessage("train-message", error));
  }

  reset() {
    if (isRunning(this.page.phase())) this.request("stop").catch(() => {});
    this.run++;
    this.events = [];
    this.lastModel.forget();
    emit("cleared");
    showMessage("train-message", null);
    this.page.setPhase("idle");
    this.checks.preview();
  }

  // seed: the sampling seed to use when the form's is empty (which would continue the run's random stream).
  async generate(event, { seed } = {}) {
    event?.preventDefault();
    const run = this.run;
    $("generate").disabled = true;
    this.sampling++;
    try {
      const sampling = this.form().sampling();
      if (seed !== undefined && sampling.sample_seed === "") sampling.sample_seed = seed;
      const { samples } = await this.request("sample", sampling,
        { timeoutMs: sampleDeadlineMs(this.checks.cost, sampling.num_samples) });
      if (run !== this.run) return this.page.refresh();   // the model these names came from is gone (Reset, new run)
      this.samples = samples;
      this.sampleCount++;
      emit("sampled", { samples });
      showMessage("sample-message", null);
    } catch (error) {
      showMessage("sample-message", error);
    } finally {
      this.sampling--;
    }
    this.page.refresh();
  }

  // A task that needs the Session to itself (an experiment trains its own runs): the page's run is given up first, the
  // controls wait while it runs, and the page is idle (Ready) afterwards. The task hears of a run that finished all its
  // steps (learn/experiments.js's finishedRun): until the task configures another, the Session still holds its model.
  async exclusive(task) {
    const refusal = experimentRefusal(this.page.phase()) || this.hooks.busy?.();
    if (refusal) throw new Error(refusal);
    const defaults = Object.fromEntries(this.form().specs.map((spec) => [spec.name, spec.default]));
    const finished = finishedRun(
      { phase: this.page.phase(), summary: this.summary, data: this.runData, events: this.events, defaults });
    if (this.page.phase() !== "idle") this.reset();
    this.run++;
    this.page.setPhase("experiment");
    try {
      return await task(finished);
    } finally {
      // A worker lost meanwhile has put the page back to loading; otherwise the page is ready again.
      if (this.page.phase() === "experiment") {
        this.page.setPhase("idle");
        this.checks.preview();
      }
    }
  }

  // Python, loaded if it is not yet (the embed widget loads it only when asked).
  wake() {
    if (this.page.phase() === "dormant") this.hooks.startWorker();
    return pythonReady;
  }

  // A model from a checkpoint (a file, or the one this browser kept) becomes the page's model: its settings in the
  // form, its curve if the page kept one, its step; then it samples, and resumes if Python has its data. checkpoint:
  // the text loaded, now the run's last checkpoint; persist: this browser should keep it (it did not come from there).
  adopt(summary, events, { checkpoint, persist, phase = null }) {
    this.run++;
    this.diverged = false;
    this.summary = summary;
    if (summary.num_docs !== null) this.checks.configured(summary);
    this.events = [...events];
    this.runData = summary.resumable ? this.data.current().data : null;    // Python took the page's data as its own
    showMessage("train-message", null);
    this.hooks.adoptSettings(summary.config, Boolean(summary.edited));
    emit("configured", summary);
    const { num_steps: numSteps } = summary.config;
    emit("progress", { events: this.events, step: summary.step, num_steps: numSteps, done: summary.step >= numSteps,
      steps_per_sec: null });
    this.page.setPhase(afterLoading(summary, phase));
    this.lastModel.adopted({ checkpoint, config: summary.config, data: this.runData, step: summary.step, info: summary,
      events: [...this.events] }, { persist });
    // Its names, at once, as a finished run shows them ("It samples now"), once the check has estimated its cost (the
    // sample's deadline follows it: a big model's names take seconds); the run's seed when the form's sampling seed
    // is empty, so that a run that can resume keeps its random stream as it was saved.
    const run = this.run;
    this.checks.check().then(() => {
      if (run === this.run && !$("generate").disabled) this.generate(undefined, { seed: summary.config.seed });
    });
  }

  // A model loaded without its training data resumes once the chosen data is that data.
  async attachData(payload) {
    const run = this.run;
    const attached = await this.hooks.keeper()?.dataChosen(this.summary, payload);
    if (!attached || run !== this.run || this.page.phase() !== "stopped") return;
    this.summary = attached;
    this.runData = payload;
    if (this.lastModel.copy) Object.assign(this.lastModel.copy, { data: payload, info: attached });
    this.data.show(attached);
    this.page.setPhase("paused");
  }

  // The worker was lost: its run is abandoned; its last model comes back once the new worker is ready.
  lost(reason, { edit = false } = {}) {
    this.run++;
    this.restoring = this.lastModel.copy;
    // A run that was stopped stays stopped; so does one whose edited code is gone (it cannot go on as it was trained).
    this.restoringStopped = edit || ["stopped", "stopping"].includes(this.page.phase());
    showBanner(lostText(reason, this.lastModel.copy, { edit }));
  }

  // Python is ready (again): a Train pressed before it was goes ahead, or a lost worker's model comes back.
  ready() {
    if (this.trainWhenReady) {
      this.trainWhenReady = false;
      this.train();
    } else if (this.restoring) {
      const copy = this.restoring;
      this.restoring = null;
      this.restore(copy, { stopped: this.restoringStopped });
    }
  }

  // After a lost worker restarted: the run's checkpoint with its data, then the page as it was.
  async restore(copy, { stopped = false } = {}) {
    const run = ++this.run;
    this.page.setPhase("starting");
    try {
      const summary = await this.request("load", { checkpoint: copy.checkpoint, data: copy.data });
      if (run !== this.run) return;
      const events = eventsUpTo(this.events, summary.step);
      this.summary = summary;
      this.events = events;
      this.runData = copy.data;
      this.lastModel.restored(copy, summary.step);
      emit("configured", summary);
      emit("progress", { events, step: summary.step, num_steps: summary.config.num_steps,
        done: summary.step >= summary.config.num_steps, steps_per_sec: null });
      // Done when it took all its steps; else paused when it can go on (Resume, Step once), as a model loaded from a
      // file is; a run that was stopped, or whose edited code is gone, stays stopped. The checkpoint holds the random
      // stream's state: Resume continues the run.
      this.page.setPhase(afterLoading(summary, stopped ? "stopped" : null));
    } catch (error) {
      if (run !== this.run) return;
      showMessage("train-message", error);
      this.page.setPhase("idle");
    }
  }
}
