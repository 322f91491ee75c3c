// "Train both" (run/both.js decides when it is offered and what the page says): the run on screen stopped early, a
// setting changed since; both settings train at once. Side by side: the new settings are the page's run (Train's own
// path in run-control.js, so they become the model), the previous settings train in one extra worker of
// learn/arms-control.js's ArmRunner (learn/arms.js's plan: the cores the browser reports,
// memory, a memory snapshot; `?workers=N` forces it), drawn live as the Training chart's ghost and kept in the run list
// when they end. One after another, when only one worker is possible (the page says why): the previous settings first,
// then the new ones, both as the page's own runs (the first becomes the second's ghost), so the model is the new one.
// Pause and Stop act on both; an extra worker that is lost is replaced and its run trained again, the page's run going
// on (and a lost page worker is restored as for any run, the other run going on).

import { ArmRunner, planWorkers } from "../learn/arms-control.js";
import { forcedWorkers } from "../learn/arms.js";
import { chunkDeadlineMs, sampleDeadlineMs } from "../python/recovery.js";
import { on } from "../base/events.js";
import { bothStatus, oneWorkerReason, sideProgress } from "./both.js";

const $ = (id) => document.getElementById(id);
const LIVE_DRAW_MS = 250;        // the ghost is redrawn at most this often while it trains

export class TrainBoth {
  // runControl: the page's RunControl; request: the page's worker's request function; page: {refresh()};
  // sampling(): the Samples form's payload; keeper(): the RunKeeper (null in the embed); followed: run-view.js's
  // followRun handle (showCompanion, updateCompanion).
  constructor({ runControl, request, page, sampling, keeper, followed }) {
    Object.assign(this, { runControl, request, page, sampling, keeper, followed });
    this.active = null;          // the Train both under way (see start)
    this.drawTimer = null;
    this.last = null;            // what the last one did, for the tests: {parallel, reason, side: {state, losses}}
    on("finished", ({ reason }) => this.pageFinished(reason));
    // The page's run can also end without a `finished` (its configure refused, its worker lost and not brought back):
    // one after another, the chain is broken; side by side, Train both is over once the other run is too.
    on("phase", ({ phase }) => {
      const active = this.active;
      if (active?.parallel === false && phase === "idle") this.end(active);
      else if (active?.parallel && active.sideOver && ["idle", "stopped", "done"].includes(phase)) this.end(active);
    });
    on("cleared", () => this.stop({ keep: false }));     // Reset: like the page's run, nothing of it is kept
    // The line that said how Train both went goes with the next run (or Reset).
    for (const event of ["configured", "cleared"]) {
      on(event, () => {
        if (this.active) return;
        this.last = null;
        this.say();
      });
    }
  }

  // The previous settings' run while it is not over, as base/phases.js's `companion` reads it: "training" (or
  // starting) or "paused"; null when there is none or it has ended.
  get companion() {
    const active = this.active;
    if (!active || active.parallel === false || active.sideOver) return null;
    return active.runner?.paused ? "paused" : "training";
  }

  // changes: settings/guidance.js's changedSettings (form against the run on screen).
  async start(changes) {
    if (this.active) return;
    const run = this.runControl;
    const previous = { config: { ...run.summary.config }, data: run.runData };
    const label = changes.map(({ name, trained }) => `${name} ${trained}`).join(", ");
    const cores = navigator.hardwareConcurrency;
    const active = this.active = { parallel: null, label, previous, side: null, runner: null, stage: "previous" };
    this.page.refresh();
    const plan = await planWorkers(2);
    if (this.active !== active) return;
    if (plan.workers < 2) {
      return this.oneAfterAnother(active, oneWorkerReason(plan.note, cores, forcedWorkers(location.search)));
    }
    await this.sideBySide(active, plan, cores);
  }

  async sideBySide(active, plan, cores) {
    // The page's worker trains the new settings (Train's own path), so the runner's one job is an extra worker's.
    const runner = active.runner = new ArmRunner({ request: this.request, plan, pageLane: false });
    active.parallel = true;
    const side = active.side = { state: "starting", summary: null, data: active.previous.data, events: [], step: null,
      activeMs: 0, since: null, startedAt: Date.now(), claimed: false, retried: [] };
    this.followed.showCompanion(side);
    this.say();
    let fallback = false;
    await runner.run([active.previous], async (job, request) => {
      if (runner.stopped) return;     // stopped while its worker started
      if (request === runner.mainRequest) {
        fallback = true;          // the extra worker could not start Python: nothing has trained yet
        return;
      }
      if (!active.newStarted) {
        active.newStarted = true;
        this.runControl.train();
      }
      await this.trainSide(active, job, request);
    });
    if (runner.failed.length) {
      side.state = "failed";
      side.reason = runner.failed[0].reason;
    }
    side.retried = runner.retried.map(({ reason }) => reason);
    if (fallback && !runner.stopped) {
      this.followed.showCompanion(null);
      active.side = null;
      return this.oneAfterAnother(active, oneWorkerReason(runner.note, cores));
    }
    if (side.state === "starting") side.state = "stopped";
    active.sideOver = true;
    this.sideEnded(active);
  }

  // The previous settings on an extra worker: configured, trained through pauses to the end (or Stop), sampled there
  // and kept in the run list. A lost worker's second attempt starts again from step 0.
  async trainSide(active, job, request) {
    const side = active.side;
    side.events = [];
    const { cost } = await request("check", { config: job.config });
    side.summary = await request("configure", { config: job.config, data: job.data });
    side.state = "training";
    this.clock(side, true);
    const result = await active.runner.train(request, { timeoutMs: chunkDeadlineMs(cost), onProgress: (chunk) => {
      side.events.push(...chunk.events);
      side.step = chunk.step;
      this.drawSoon();
    } });
    this.clock(side, false);
    side.state = result.reason === "stop" ? "stopped" : "done";
    side.diverged = result.reason === "diverged";
    this.followed.updateCompanion();
    if (side.events.length === 0 || active.discard) return;
    let samples = [];
    if (!side.diverged) {
      const sampling = this.sampling();
      try {
        ({ samples } = await request("sample", sampling,
          { timeoutMs: sampleDeadlineMs(cost, sampling.num_samples) }));
      } catch {
        // Kept without names, as a run whose sampling settings are invalid.
      }
    }
    this.keeper()?.keepSide({ summary: side.summary, data: side.data, events: side.events,
      durationS: side.activeMs / 1000, diverged: side.diverged, samples, startedAt: side.startedAt });
  }

  // Training time only, as the run list counts it: not while paused.
  clock(side, running) {
    if (running && side.since === null) side.since = performance.now();
    if (!running && side.since !== null) {
      side.activeMs += performance.now() - side.since;
      side.since = null;
    }
  }

  // One after another in the page's worker: the previous settings as the page's run, then (pageFinished) the new.
  oneAfterAnother(active, reason) {
    Object.assign(active, { parallel: false, reason, stage: "previous" });
    this.say();
    this.runControl.train(active.previous);
  }

  // The page's own run ended (or paused).
  pageFinished(reason) {
    const active = this.active;
    if (!active || reason === "pause") return;
    if (active.parallel === false && active.stage === "previous" && ["done", "diverged"].includes(reason)) {
      active.stage = "yours";
      // After the requests the page sends as a run ends (its names), so that they answer from the finished model.
      setTimeout(() => { if (this.active === active) this.runControl.train(); }, 0);
      return;
    }
    if (active.parallel === false) return this.end(active);
    // Stop acts on both; the page's run ending by itself (or failing) leaves the other training.
    if (reason === "stop") active.runner?.stop();
    active.pageOver = true;
    if (active.sideOver) return this.end(active);
    this.say();
    this.page.refresh();
  }

  sideEnded(active) {
    if (this.active !== active) return;
    // Over when the page's run is over too (it ended first, or never started: a Stop while the worker started).
    const pagePhase = this.runControl.page.phase();
    if (active.pageOver || !active.newStarted || ["idle", "stopped", "done"].includes(pagePhase)) {
      return this.end(active);
    }
    this.say();
    this.page.refresh();
  }

  end(active) {
    if (this.active !== active) return;
    this.last = { parallel: active.parallel, reason: active.reason ?? "",
      side: active.side && { state: active.side.state, reason: active.side.reason ?? "", retried: active.side.retried,
        losses: active.side.events.map(({ loss }) => loss) } };
    this.active = null;
    this.say();
    this.page.refresh();
  }

  // Pause, Resume and Stop act on both. tail: the page's run has ended and only the previous settings train.
  pause() {
    this.active?.runner?.pause();
    this.say();
  }

  resume() {
    this.active?.runner?.resume();
    this.say();
  }

  stop({ keep = true } = {}) {
    const active = this.active;
    if (!active) return;
    if (!keep) {
      active.discard = true;
      this.followed.showCompanion(null);
    }
    if (active.runner) active.runner.stop();
    else this.end(active);        // one after another: the page's Stop ends its run, and no next one starts
    this.say();
  }

  // The Train card's line while both train (and after, until the next run).
  say() {
    const active = this.active;
    $("both-status").hidden = !active && !this.last;
    const side = active?.side;
    $("both-step").textContent = side ? sideProgress(side.step, active.previous.config.num_steps) : "";
    const text = $("both-text");
    if (!active) text.textContent = this.last ? this.endText() : "";
    else if (active.parallel === null) text.textContent = "Train both: deciding how many workers…";
    else {
      const state = side?.state === "training" && active.runner?.paused ? "paused" : side?.state;
      const said = bothStatus({ parallel: active.parallel, reason: active.reason, previous: active.label, state });
      if (text.textContent !== said) text.textContent = said;      // a live region: only a change is read out
    }
  }

  endText() {
    const { parallel, reason, side } = this.last;
    if (!parallel) return `Trained both one after another (${reason}).`;
    if (side.state === "failed") return `The previous settings could not train in a second worker: ${side.reason}.`;
    const again = side.retried.map((why) => ` Their worker was lost (${why[0].toLowerCase()}${why.slice(1)}), so ` +
      "they were trained again from the start in a new one.").join("");
    return `Trained both side by side; the previous settings ${side.state === "stopped" ? "were stopped" : "finished"}` +
      ` and are kept in the run list.${again}`;
  }

  drawSoon() {
    if (this.drawTimer) return;
    this.drawTimer = setTimeout(() => requestAnimationFrame(() => {
      this.drawTimer = null;
      this.followed.updateCompanion();
      this.say();
    }), LIVE_DRAW_MS);
  }

  // What the tests read (window.__microgpt.both).
  summary() {
    const active = this.active;
    return { active: Boolean(active), parallel: active?.parallel ?? null, companion: this.companion,
      alive: active?.runner?.alive ?? 0, live: active?.side?.events.length ?? 0, last: this.last };
  }
}
