// Runs, with no DOM: the record a finished or stopped run leaves behind, the capped list of them, what differs
// between two runs (the name each run gets, and the legend of an overlay), and the smoothing of their loss curves.
// A record is plain JSON (persistence keeps it as is); views and the compare chart only read it.
//
// record = {id, key, config, data: {source, text, description, fingerprint}, vocab_size, curve: [[step, loss, holdout|null]…],
//           samples, duration_s, final_loss, final_holdout, command, diverged, edited, started_at,
//           finished_at}; id: the number the list shows; key: the record's name in storage, unique across tabs, its
//           tab first ("<tab>/<n>").

import { SMOOTHED_LOSS, SMOOTHING, finalLosses, formatLoss, smoothLosses } from "../base/losses.js";
import { CAP_FACTOR } from "../base/off-axis.js";

export const MAX_RUNS = 20;

// Sampling settings do not change what training computes: runs that differ only there are the same run.
export const SAMPLING_FIELDS = ["num_samples", "temperature", "prefix"];

// The form's texts with a run's settings written in, as text: all of them (a loaded model), or only those that
// change what training computes (Vary: the sampling settings stay as the reader set them). Names the form does not
// have are left out, and so is the engine of a run of edited code: the edit chose it, not the reader, and the form's
// engine is what the original code trains on.
export function textsWithSettings(texts, config, { sampling = true, edited = false } = {}) {
  const result = { ...texts };
  for (const [name, value] of Object.entries(config)) {
    if (edited && name === "engine") continue;
    if (name in texts && (sampling || !SAMPLING_FIELDS.includes(name))) result[name] = String(value);
  }
  return result;
}

// FNV-1a over the text: two runs on the same pasted data compare equal without keeping both texts side by side.
export function fingerprint(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

// data: {source: "builtin"} or {source: "text", text}; numDocs: how many documents Python found in it.
export function describeData(data, numDocs) {
  const count = numDocs === undefined ? "" : ` (${numDocs.toLocaleString("en")} documents)`;
  if (!data || data.source === "builtin") {
    return { source: "builtin", text: null, description: `built-in names${count}`, fingerprint: "builtin" };
  }
  return { source: "text", text: data.text, description: `your text${count}`, fingerprint: fingerprint(data.text) };
}

const lastHoldout = (curve) => curve.findLast((point) => point[2] !== null)?.[2] ?? null;

// events: the training events of the run ({step, loss, holdout_loss?}); the rest as the page knows it.
export function makeRecord({ id, key = null, config, data, numDocs, vocabSize = null, events, samples = [], durationS, command = null,
  diverged = false, edited = false, startedAt = null, finishedAt = Date.now() }) {
  const curve = events.map(({ step, loss, holdout_loss: holdout }) => [step, loss, holdout ?? null]);
  return {
    id, key, config: { ...config }, data: describeData(data, numDocs), vocab_size: vocabSize, curve, samples: [...samples],
    duration_s: durationS, final_loss: curve.length ? curve[curve.length - 1][1] : null,
    final_holdout: lastHoldout(curve), command, diverged, edited, started_at: startedAt, finished_at: finishedAt,
  };
}

// The list keeps the newest MAX_RUNS records, oldest first; returns a new array and never edits the one given.
export function addRun(runs, record, cap = MAX_RUNS) {
  const next = [...runs, record];
  return next.slice(Math.max(0, next.length - cap));
}

export const deleteRun = (runs, id) => runs.filter((run) => run.id !== id);

// Two tabs keep runs side by side: the list this tab shows (mine) and the records storage holds (stored) become one.
// A record is changed only by the tab that made it (own(key)), so for its own records this tab's copy wins (its write
// may still be pending) and for the others' the stored one does; another tab's record no longer stored was deleted
// there, and `deleted` names this tab's records another tab deleted. Oldest first, capped; two records with one number
// (made in two tabs at once) are told apart the same way in every tab: the later one takes the next free number.
export function mergeRuns({ mine, stored, own, deleted = new Set(), cap = MAX_RUNS }) {
  const byKey = new Map(stored.map((run) => [run.key, run]));
  for (const run of mine) if (own(run.key)) byKey.set(run.key, run);
  const merged = [...byKey.values()].filter((run) => !deleted.has(run.key))
    .sort((a, b) => a.finished_at - b.finished_at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const kept = merged.slice(Math.max(0, merged.length - cap));
  const used = new Set();
  let next = nextRunId(kept);
  return kept.map((run) => {
    if (!used.has(run.id)) {
      used.add(run.id);
      return run;
    }
    used.add(next);
    return { ...run, id: next++ };
  });
}

export const nextRunId = (runs) => runs.reduce((most, run) => Math.max(most, run.id), 0) + 1;

// A value as a person would type it back into the form.
export function formatValue(value) {
  if (typeof value === "string") return value === "" ? '""' : value;
  return String(value);
}

// What an edit of model.py changes, as a difference between runs: the code (`MODEL_PY`) and, with it, the engine
// (edited code trains on the scalar engine whatever the form says, so that engine is the edit's doing).
export const MODEL_PY = "model.py";
export const codeOf = (run) => (run.edited ? "edited" : "original");

// Every setting that differs, in the config's own order, then the data, then the code: [{name, before, after}]. The
// engine is left out when the code differs: the edit chose it.
export function differences(before, after) {
  const changes = [];
  const codeDiffers = Boolean(before.edited) !== Boolean(after.edited);
  const names = [...new Set([...Object.keys(before.config), ...Object.keys(after.config)])];
  for (const name of names) {
    if (SAMPLING_FIELDS.includes(name) || (codeDiffers && name === "engine")) continue;
    const [a, b] = [before.config[name], after.config[name]];
    if (a !== b) changes.push({ name, before: formatValue(a), after: formatValue(b) });
  }
  if (before.data.fingerprint !== after.data.fingerprint) {
    changes.push({ name: "data", before: before.data.description, after: after.data.description });
  }
  if (codeDiffers) changes.push({ name: MODEL_PY, before: codeOf(before), after: codeOf(after) });
  return changes;
}

// Differences as the page writes them: "learning_rate 0.01 → 0.03, n_embd 16 → 32", and "edited model.py" for the code.
const oneChange = ({ name, before, after }) => (name === MODEL_PY ? `${after} ${MODEL_PY}` : `${name} ${before} → ${after}`);
export const changeText = (changes) => changes.map(oneChange).join(", ");

// What a run is called in the list: what changed since the run before it ("learning_rate 0.01 → 0.03").
export function runName(run, previous) {
  if (!previous) return run.edited ? `baseline, edited ${MODEL_PY}` : "baseline";
  const changes = differences(previous, run);
  if (changes.length === 0) return `same settings as #${previous.id}${run.edited ? `, edited ${MODEL_PY}` : ""}`;
  return changeText(changes);
}

export const runNames = (runs) => runs.map((run, i) => runName(run, runs[i - 1]));

// The legend of an overlay names, for each run, only the settings that vary among the runs shown
// ("learning_rate 0.03"); runs identical in all of them are told apart by number.
export function legendLabels(runs) {
  const varying = new Set();
  for (const run of runs.slice(1)) for (const { name } of differences(runs[0], run)) varying.add(name);
  return runs.map((run) => {
    const parts = [...varying].map((name) => (name === "data" ? run.data.description
      : name === MODEL_PY ? `${codeOf(run)} ${MODEL_PY}` : `${name} ${formatValue(run.config[name])}`));
    return parts.length ? `#${run.id} ${parts.join(", ")}` : `#${run.id}`;
  });
}

// Debiased exponential moving average of the training losses (early points are not pulled towards 0).
export const smoothCurve = (curve, weight = SMOOTHING) => smoothLosses(curve.map(([, loss]) => loss), weight);

// A run's final figures as every card names them (base/losses.js): {smoothed, holdout}, from its curve.
export const finalFigures = (run) =>
  finalLosses(run.curve.map(([step, loss, holdout]) => ({ step, loss, holdout_loss: holdout })));

// uPlot's aligned data for an overlay: one x (every step any run reached) and one smoothed series per run, null
// where a run has no such step. A non-finite loss ends a run's line (a diverged run stops where it broke).
export function overlayData(runs) {
  const steps = [...new Set(runs.flatMap((run) => run.curve.map(([step]) => step)))].sort((a, b) => a - b);
  const index = new Map(steps.map((step, i) => [step, i]));
  const series = runs.map((run) => {
    const values = new Array(steps.length).fill(null);
    const finite = run.curve.filter(([, loss]) => Number.isFinite(loss));
    smoothCurve(finite).forEach((value, i) => { values[index.get(finite[i][0])] = value; });
    return values;
  });
  return [steps, ...series];
}

// A run's line on the compare chart, fixed by its id so it keeps its look whichever runs are shown: seven
// Okabe–Ito colours (CSS --run-0 … --run-6; their yellow is too faint on white) times three dash styles.
export const RUN_COLOURS = 7;
const DASHES = [[], [9, 4], [2, 3]];

export function runStyle(id) {
  return { colour: (id - 1) % RUN_COLOURS, dash: DASHES[Math.floor((id - 1) / RUN_COLOURS) % DASHES.length] };
}

// Duration as the run list shows it.
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

// A run's highest single-step training loss: {step, loss}, or null for a run with no finite step.
export function peakLoss(run) {
  let peak = null;
  for (const [step, loss] of run.curve) if (Number.isFinite(loss) && (!peak || loss > peak.loss)) peak = { step, loss };
  return peak;
}

// The loss gap between held-out and training (smoothed) losses above which a run is said to memorise, and the growth
// of that gap over the other run's that makes it worth saying.
const MEMORISING_GAP = 0.3;
const GAP_GROWTH = 0.1;
const SAME_WITHIN = 0.005;   // final losses closer than this are "about the same"

// A spike: a step whose loss is above CAP_FACTOR × ln(V), the loss of a uniform guess (base/off-axis.js), i.e. an
// update so big it made the model worse than knowing nothing.
function spike(run) {
  const peak = peakLoss(run);
  const limit = CAP_FACTOR * Math.log(run.vocab_size ?? 27);
  if (!peak || peak.loss <= limit) return null;
  const steps = run.curve.length ? run.curve[run.curve.length - 1][0] : 0;
  return { ...peak, early: peak.step <= Math.max(1, 0.2 * steps) };
}

// One line comparing two runs from their measured numbers: which final loss (held-out when both have one, else the
// smoothed training loss), by how much the later run is better or worse, and what the curves show (a spike means
// steps too big; a growing gap between held-out and training loss means memorising; a diverged run has no figure).
export function verdict(before, after) {
  const [a, b] = [`#${before.id}`, `#${after.id}`];
  const head = `${b} vs ${a}`;
  const diverged = [before, after].filter((run) => run.diverged);
  if (diverged.length) {
    const which = diverged.map((run) => {
      const last = run.curve.length ? run.curve[run.curve.length - 1][0] : 0;
      return `#${run.id} diverged at step ${(last + 1).toLocaleString("en")}`;
    }).join(" and ");
    return `${head}: ${which}, so there is no final loss to compare; the steps were too big (try a smaller ` +
      "learning_rate).";
  }
  const [first, second] = [finalFigures(before), finalFigures(after)];
  const heldOut = first.holdout !== null && second.holdout !== null;
  const [x, y] = heldOut ? [first.holdout, second.holdout] : [first.smoothed, second.smoothed];
  if (x === null || y === null) return `${head}: no losses to compare yet.`;
  const change = y - x;
  const judged = Math.abs(change) < SAME_WITHIN ? `about the same (within ${SAME_WITHIN})`
    : `${change > 0 ? "worse" : "better"} by ${formatLoss(Math.abs(change))}`;
  const parts = [`${heldOut ? "held-out" : SMOOTHED_LOSS} ${formatLoss(y)} vs ${formatLoss(x)}: ${judged}`];
  for (const run of [after, before]) {
    const found = spike(run);
    if (found) {
      parts.push(`${run === after ? b : a}'s ${found.early ? "early " : ""}spike to ${found.loss.toFixed(1)} at step ` +
        `${found.step.toLocaleString("en")} means the steps were too big`);
    }
  }
  if (heldOut) {
    const [gapBefore, gapAfter] = [first.holdout - first.smoothed, second.holdout - second.smoothed];
    if (gapAfter > MEMORISING_GAP && gapAfter > gapBefore + GAP_GROWTH) {
      parts.push(`${b} does better on its training names than on new ones (gap ${formatLoss(gapAfter)}): it is ` +
        "memorising");
    }
  }
  if (before.data.fingerprint !== after.data.fingerprint) {
    parts.push("they trained on different data, so their losses measure different things");
  }
  return `${head}: ${parts.join("; ")}.`;
}

// The verdicts of the runs on the compare chart: each run against the one before it, in the order they were trained.
export function verdicts(runs) {
  const ordered = [...runs].sort((p, q) => p.id - q.id);
  return ordered.slice(1).map((run, i) => verdict(ordered[i], run));
}
