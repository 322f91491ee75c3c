// What keeps a lost worker from costing the user their model, and how long a worker may stay silent, with no DOM
// (tests/js/recovery.test.mjs). The page keeps the last checkpoint of the current run (keep/last-model-control.js: in
// memory and in this browser; asked of the worker at pause, stop, done, divergence and every few seconds of training),
// and after a restart or a reload loads it into the new worker. A training chunk's deadline follows Python's own cost
// estimate of one step (microgpt/cost.py, `check` reply), so a big scalar-engine model is not taken for a hung worker,
// nor is a default one left hanging for minutes.

const PAGE_SLOWDOWN = 2;             // Pyodide runs the estimate's CPython time about twice as slowly
const MIN_CHUNK_DEADLINE_MS = 10_000;
const CHUNK_DEADLINE_MARGIN = 4;      // the estimate is for this project's machine; a reader's may be slower

// The longest a training chunk may run before the worker counts as stuck: a chunk is one or more steps (a held-out
// evaluation is cut into chunks between its documents, each far shorter than a step).
export const chunkDeadlineMs = (cost) => deadlineMs(cost?.seconds_per_step ?? 0);

// Step once takes a step and, when due, its whole held-out evaluation, after finishing one a pause interrupted.
export const stepOnceDeadlineMs = (cost) =>
  deadlineMs((cost?.seconds_per_step ?? 0) + 2 * (cost?.seconds_per_evaluation ?? 0));

// How long a request may go unanswered. The quick ones (a check, a preview, a sample of a small model) have seconds,
// so that a dead worker is noticed in seconds even while one is pending (the most patient pending request sets the
// page's deadline); those that read, write or build a whole model, or run the learner's code, have longer.
export const REPLY_DEADLINE_MS = 10_000;
const SLOW_REPLY_DEADLINE_MS = { load: 60_000, save: 30_000, configure: 30_000, attach: 30_000, edit: 20_000,
  code: 20_000 };
export const replyDeadlineMs = (type) => SLOW_REPLY_DEADLINE_MS[type] ?? REPLY_DEADLINE_MS;

// Sampling: each name is a forward pass per character, a fraction of a training step's work (forward and backward
// over a whole document); a dead worker is noticed in seconds, a big model's long draw is not taken for one.
const MIN_SAMPLE_DEADLINE_MS = 5_000;
export const sampleDeadlineMs = (cost, numSamples = 20) => Math.max(MIN_SAMPLE_DEADLINE_MS,
  Math.ceil(CHUNK_DEADLINE_MARGIN * (cost?.seconds_per_step ?? 0) * (numSamples / 2) * 1000 * PAGE_SLOWDOWN));

function deadlineMs(seconds) {
  return Math.max(MIN_CHUNK_DEADLINE_MS, Math.ceil(CHUNK_DEADLINE_MARGIN * seconds * 1000 * PAGE_SLOWDOWN));
}

// How often a running run's checkpoint is saved: every SAVE_EVERY_MS, or less often when one save takes long enough
// that saving would cost training more than 1/SAVE_SHARE of its time (a big model: seconds of JSON).
export const SAVE_EVERY_MS = 5_000;
const SAVE_SHARE = 50;
export const saveEveryMs = (saveMs = 0) => Math.max(SAVE_EVERY_MS, SAVE_SHARE * saveMs);
export const saveDue = (lastSavedAt, now, saveMs = 0) => now - lastSavedAt >= saveEveryMs(saveMs);

// How long a run of numSteps takes here, in seconds: Python's estimate of a step (microgpt/cost.py, in the page's
// time) times the steps, scaled by `calibration` when a finished run has measured this browser (see calibrate). The
// held-out evaluations are left out of the estimate: theirs is an upper bound, made for a deadline; a measured run
// includes them.
export function runSeconds(cost, numSteps, calibration = null) {
  if (!cost || !(numSteps > 0)) return null;
  return cost.seconds_per_step * PAGE_SLOWDOWN * numSteps * (calibration ?? 1);
}

// What this browser measured against the estimate: a finished run's seconds in Python per step (evaluations
// included) over the estimate's seconds per step for its settings. null when there is nothing to go by.
export function calibrate(measuredSecondsPerStep, cost) {
  const estimated = (cost?.seconds_per_step ?? 0) * PAGE_SLOWDOWN;
  return estimated > 0 && measuredSecondsPerStep > 0 ? measuredSecondsPerStep / estimated : null;
}

// "≈25 s", "≈4 min", "≈1 h 20 min": a run's length, rounded as an estimate should be.
// The number and its unit never part at a line's end (no-break spaces).
export function aboutText(seconds) {
  if (seconds < 10) return `≈${Math.max(1, Math.round(seconds))}\u00a0s`;
  if (seconds < 90) return `≈${Math.round(seconds / 5) * 5}\u00a0s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `≈${minutes}\u00a0min` : `≈${Math.floor(minutes / 60)}\u00a0h ${minutes % 60}\u00a0min`;
}

// "4,192 parameters · ≈25 s a run here": the size, and a run's length in the learner's units (measured when known).
export function costText(numParams, cost, numSteps, calibration = null) {
  const parts = [`${numParams.toLocaleString("en")} parameters`];
  const seconds = runSeconds(cost, numSteps, calibration);
  if (seconds !== null) parts.push(`${aboutText(seconds)} a run here`);
  return `${parts.join(" · ")}.`;
}

// The curve of a restored model: the steps it had taken when its checkpoint was made.
export const eventsUpTo = (events, step) => events.filter((event) => event.step <= step);

// What the banner says after a lost worker, by whether a model will be restored. edit: the edited model.py was the
// cause, so the new worker starts with the original code (the edit stays in the editor, not applied).
export function lostText(reason, lastModel, { edit = false } = {}) {
  const fresh = edit ? "Python starts again with the original model.py (your edit stays in the editor, not applied)"
    : "A new one is starting";
  const what = `${reason[0].toUpperCase()}${reason.slice(1)}. ${fresh}; your settings are kept`;
  return lastModel ? `${what}, and the model comes back as it was at step ${lastModel.step}.`
    : `${what} (there was no trained model to keep).`;
}

// An edited model.py that has not returned: the worker's beats from inside it (microgpt/watch.py) say for how long and
// at which line. From EDIT_NOTICE_S on, the page says so and offers Stop.
export const EDIT_NOTICE_S = 3;

export const editBusyText = ({ seconds, line }) =>
  `The edited model.py has not returned for ${Math.round(seconds)} s (it is running line ${line}). Stop restarts ` +
  "Python with the original code and brings back your last model; your edit stays in the editor.";

// Why a worker running the edit was replaced: it ran past its deadline, or the reader stopped it.
export const editStuckText = ({ seconds, line }, { stopped = false } = {}) =>
  `${stopped ? "you stopped the edited model.py" : "the edited model.py did not return"}: it ran ` +
  `${Math.round(seconds)} s without returning, at line ${line}`;

// Python that did not start in a worker because a file did not download (worker.js's `failed` with `download`), or a
// worker that stopped before its Python was up (its script did not load): the page tries again after each of these
// waits, then stops and offers Retry. Short, so that a reader back online is not kept waiting.
export const START_RETRY_DELAYS_MS = [1000, 2000, 4000];

// What the loading card says after "Python could not start: " while it waits to try again (`tried`: the failed tries
// so far; `delayMs` 0: trying now).
export const startRetryText = (reason, tried, delayMs) =>
  `${reason}. ${delayMs > 0 ? `Trying again in ${Math.round(delayMs / 1000)} s` : "Trying again"} ` +
  `(try ${tried + 1} of ${START_RETRY_DELAYS_MS.length + 1}).`;

// What it says once it has stopped trying: the reason, and what the reader can do.
export const startGaveUpText = (reason, { download = false, tries = 1 } = {}) =>
  `${reason}.${tries > 1 ? ` Tried ${tries} times.` : ""} ` +
  (download ? "Check the connection, then press Retry." : "Press Retry to start Python again.");
