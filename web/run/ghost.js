// The ghost on the Training chart, with no DOM: when a new run trains, the run before it stays on the chart as a faint
// curve on the same axes, named by what changed since (runs.js's differences, as the run list names runs), so the
// difference is seen while it happens. And the timeline of names as the model learns: a few names sampled at each
// held-out evaluation (the `train` request's `timeline`, docs/PROTOCOL.md), kept as a short list under the chart.

import { changeText, describeData, differences } from "../runs/runs.js";
import { smoothLosses } from "../base/losses.js";

// A finished, stopped or paused run as the ghost keeps it, or null when it took no step. summary: its `configure`
// reply; data: its `configure` data payload (null: the built-in data, or data the page does not have); events: its
// training events. Its curve is the smoothed training loss, as the chart drew it.
export function ghostOf(summary, data, events) {
  const finite = events.filter(({ loss }) => Number.isFinite(loss));
  if (!summary || finite.length === 0) return null;
  return { config: { ...summary.config }, data: describeData(data, summary.num_docs ?? undefined),
    steps: finite.map(({ step }) => step), smoothed: smoothLosses(finite.map(({ loss }) => loss)) };
}

// The ghost's legend label: what changed from it to the run on screen ("previous run: learning_rate 0.01 → 0.03";
// Train both's ghost, which trains beside it, is "previous settings: …").
export function ghostLabel(ghost, summary, data, name = "previous run") {
  const changes = differences(ghost, { config: summary.config, data: describeData(data, summary.num_docs ?? undefined) });
  return `${name}: ${changes.length ? changeText(changes) : "same settings"}`;
}

export const TIMELINE_NAMES = 4;    // names per held-out evaluation
export const TIMELINE_ROWS = 6;     // rows kept under the chart

// The rows shown of a run's timeline ([{step, holdout_loss, names}], in step order): all of them up to `rows`, else the
// first (the untrained model), the newest and evenly spread steps between.
export function shortTimeline(entries, rows = TIMELINE_ROWS) {
  if (entries.length <= rows) return [...entries];
  const last = entries.length - 1;
  const picks = new Set();
  for (let i = 0; i < rows; i++) picks.add(Math.round((i * last) / (rows - 1)));
  return [...picks].sort((a, b) => a - b).map((i) => entries[i]);
}

// One row's words: "step 300", and the names as they are ("(empty)" for a name with no letter).
export const timelineStep = ({ step }) => `step ${step.toLocaleString("en")}`;
export const timelineNames = ({ names }) => names.map((name) => name || "(empty)");

// "Train again on every change": how long the settings must rest before the page retrains (a slider dragged or a
// number typed is one change), and whether it retrains now: only when asked, and only when no run trains or waits
// (a new run replaces a finished, stopped or never-started one, whose curve becomes the ghost).
export const AUTO_TRAIN_MS = 600;
export const retrainNow = (phase, enabled) => enabled && ["idle", "done", "stopped"].includes(phase);
