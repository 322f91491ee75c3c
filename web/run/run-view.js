// Small display-only views: the loading stages, the training progress readout (bar, step, steps/s, ETA, losses),
// the generated names, the controls (buttons, reasons, status pill) as base/phases.js decides them, and messages.
// Each touches only its own elements; `followRun` subscribes the run's views to the page's events.

import { on } from "../base/events.js";
import { formatLoss } from "../base/losses.js";
import { ghostLabel, ghostOf, shortTimeline, timelineNames, timelineStep } from "./ghost.js";

const $ = (id) => document.getElementById(id);

// The views that follow a run: the loss chart (with the run before as its ghost), the progress readout, the names as
// the model learns and the generated names. runData(): the data payload of the run just configured (null: unknown).
// Returns {showCompanion, updateCompanion}: Train both's previous settings, training beside the next run
// (run/both-control.js), are that run's ghost instead of the run before, drawn as they grow.
export function followRun(chart, { runData = () => null } = {}) {
  const trainingView = new TrainingView();
  const samplesView = new SamplesView();
  const timelineView = new TimelineView();
  let shown = null;         // the run the chart shows: {summary, data, events}
  let ghost = null;         // the run before it (run/ghost.js), once a new run starts from step 0
  let companion = null;     // Train both's other run: {summary, data, events, claimed: the next run has begun}
  const ghostNow = () => {
    if (!companion?.claimed) return ghost && { ...ghost, label: ghostLabel(ghost, shown.summary, shown.data) };
    const live = ghostOf(companion.summary, companion.data, companion.events);
    return live && { ...live, label: ghostLabel(live, shown.summary, shown.data, "previous settings") };
  };
  on("configured", (summary) => {
    const data = runData();
    // A new run from its first step: the one the chart showed becomes the ghost (or Train both's other run does, for
    // the run it began with). A model loaded or brought back part-way has no run before it to compare with (but a
    // page's run brought back during Train both keeps the other run as its ghost).
    if (summary.step === 0) {
      ghost = (shown && ghostOf(shown.summary, shown.data, shown.events)) ?? ghost;
      if (companion) companion = companion.claimed ? null : Object.assign(companion, { claimed: true });
    } else ghost = null;
    shown = { summary, data, events: [] };
    chart.reset(summary.vocab_size);
    chart.setGhost(ghostNow());
    samplesView.clear();
    timelineView.clear();
    trainingView.start(summary.config.num_steps);
  });
  on("phase", ({ phase }) => {
    if (phase === "training") trainingView.resume();
  });
  on("progress", (chunk) => {
    shown?.events.push(...chunk.events);
    chart.add(chunk.events);
    trainingView.update(chunk, chart.latest());
    if (chunk.timeline) timelineView.add(chunk.timeline);
  });
  on("diverged", (divergence) => chart.markDivergence(divergence));
  on("cleared", () => {
    companion = null;
    chart.reset(null);
    chart.setGhost(null);   // Reset empties the chart; the run stays the ghost of the next one
    trainingView.clear();
    samplesView.clear();
    timelineView.clear();
  });
  on("lost", () => trainingView.clear());
  on("sampled", ({ samples }) => samplesView.show(samples));
  return {
    showCompanion(run) {
      companion = run;
      if (!run && shown) chart.setGhost(ghostNow());
    },
    updateCompanion() {
      if (companion?.claimed && shown) chart.setGhost(ghostNow());
    },
  };
}

// The page-wide notice (the worker was lost); null hides it.
export function showBanner(text) {
  $("banner").textContent = text ?? "";
  $("banner").hidden = text === null;
}

// The notice that the edited model.py has not returned, with its Stop (null hides it). Only its text changes while it
// stays up, so a screen reader hears it once, not every second.
export function showEditStuck(text) {
  const shown = !$("edit-stuck").hidden;
  if (text === null || !shown) $("edit-stuck").hidden = text === null;
  $("edit-stuck-text").textContent = text ?? "";
}

// error: {message, traceback?} or null to hide the message.
export function showMessage(id, error) {
  $(id).textContent = error ? error.message : "";
  $(id).hidden = !error;
  if (error?.traceback) console.warn(error.traceback);
}

// Applies base/phases.js's answer for this phase to the controls; the answer decides, this only writes it.
export function showControls(phase, controls) {
  for (const id of ["settings-main", "settings-more", "sampling-fields"]) $(id).disabled = !controls.fieldsEnabled;
  $("settings-locked").hidden = !controls.locked;
  $("train").disabled = !controls.train;
  $("train").textContent = controls.trainLabel;
  $("train-reason").textContent = controls.trainReason;
  for (const id of ["pause", "stop", "reset", "generate"]) $(id).disabled = !controls[id];
  $("pause").textContent = controls.pauseLabel;
  $("step-once").disabled = !controls.stepOnce;
  $("sample-reason").textContent = controls.sampleReason;
  $("status").textContent = controls.status;
  $("status").dataset.state = phase;
}

const STAGES = ["download", "python", "install", "ready"];

export class LoadingView {
  stage({ stage, percent, detail }) {
    const index = STAGES.indexOf(stage);
    for (const [i, name] of STAGES.entries()) {
      const item = document.querySelector(`[data-stage="${name}"]`);
      item.dataset.state = i < index ? "done" : i === index ? "active" : "waiting";
      const text = item.querySelector("[data-detail]");
      if (i === index) text.textContent = stage === "download" ? `${percent}%` : detail || "";
      else text.textContent = "";
    }
    // Downloading is most of the wait on a first visit; the later stages share the last part of the bar.
    const overall = { download: 0.7 * percent, python: 75, install: 80 + 0.2 * percent }[stage] ?? 0;
    $("loading-bar").value = overall;
  }

  ready(pyodideVersion) {
    this.stage({ stage: "ready", percent: 100 });
    $("loading-bar").value = 100;
    $("loading").hidden = true;
    $("pyodide-version").textContent = `Pyodide ${pyodideVersion}`;
  }

  restart() {
    $("loading").hidden = false;
    $("loading-error").hidden = true;
    $("loading-retry").hidden = true;
    this.gaveUp = false;
    this.stage({ stage: "download", percent: 0 });
  }

  // retry: the page has stopped trying by itself, so the Retry button is offered.
  failed(message, { retry = false } = {}) {
    $("loading-error").textContent = `Python could not start: ${message}`;
    $("loading-error").hidden = false;
    $("loading-retry").hidden = !retry;
    this.gaveUp = retry;
  }
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 1) return "<1 s";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 90) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const SPEED_WINDOW_MS = 3000;     // steps/s over the last few seconds of wall-clock time, message overhead included

export class TrainingView {
  constructor() {
    this.clear();
  }

  clear() {
    this.numSteps = 0;
    this.marks = [];
    $("train-bar").value = 0;
    for (const id of ["stat-step", "stat-speed", "stat-eta", "stat-loss", "stat-holdout"]) $(id).textContent = "–";
  }

  start(numSteps) {
    this.clear();
    this.numSteps = numSteps;
    $("train-bar").max = numSteps;
    $("stat-step").textContent = `0 / ${numSteps.toLocaleString("en")}`;
  }

  // After a pause the clock restarts, so the pause itself does not count against the speed.
  resume() {
    this.marks = [];
  }

  update(chunk, latest) {
    const now = performance.now();
    this.marks.push([now, chunk.step]);
    while (this.marks.length > 2 && now - this.marks[0][0] > SPEED_WINDOW_MS) this.marks.shift();
    const [t0, s0] = this.marks[0];
    const speed = now > t0 ? (1000 * (chunk.step - s0)) / (now - t0) : chunk.steps_per_sec;
    $("train-bar").value = chunk.step;
    $("stat-step").textContent = `${chunk.step.toLocaleString("en")} / ${chunk.num_steps.toLocaleString("en")}`;
    $("stat-speed").textContent = speed > 0 ? speed.toFixed(speed < 10 ? 1 : 0) : "–";
    $("stat-eta").textContent = chunk.done ? "done" : formatDuration((chunk.num_steps - chunk.step) / speed);
    if (latest.smooth !== undefined) $("stat-loss").textContent = formatLoss(latest.smooth);
    if (latest.holdout !== null) $("stat-holdout").textContent = formatLoss(latest.holdout);
  }
}

// Names as the model learns: the rows of shortTimeline, "step 300" and its names.
export class TimelineView {
  constructor() {
    this.entries = [];
  }

  clear() {
    this.entries = [];
    this.show();
  }

  add(entries) {
    this.entries.push(...entries);
    this.show();
  }

  show() {
    const rows = shortTimeline(this.entries);
    $("timeline-block").hidden = rows.length === 0;
    $("timeline").replaceChildren(...rows.map((entry) => {
      const item = document.createElement("li");
      item.dataset.step = String(entry.step);
      const step = document.createElement("span");
      step.className = "timeline-step";
      step.textContent = timelineStep(entry);
      const names = document.createElement("span");
      names.className = "timeline-names";
      for (const name of timelineNames(entry)) {
        const chip = document.createElement("span");
        chip.textContent = name;
        names.append(chip);
      }
      item.append(step, names);
      return item;
    }));
  }
}

export class SamplesView {
  clear() {
    $("samples").replaceChildren();
  }

  show(samples) {
    $("samples").replaceChildren(...samples.map((name) => {
      const item = document.createElement("li");
      item.textContent = name === "" ? "(empty)" : name;
      if (name === "") item.classList.add("empty");
      return item;
    }));
  }
}
