// The page's phases and what each allows, with no DOM: given where the page is (its phase and whether the settings,
// the sampling settings and the data are usable), `controls()` says which controls are enabled, what the buttons and
// the status pill say, and why Train or Generate cannot be pressed. app.js applies the answer to the DOM; the tests
// in tests/js/phases.test.mjs check it without a browser.
//
//   loading → idle → starting → training ⇄ (pausing → paused) → done | (stopping →) stopped;  Reset → idle.
// The embed widget starts in `dormant` (no worker at all) and loads Python only when Train is pressed.
// An experiment (learn/experiments.js) trains its own runs: idle | stopped | done → experiment → idle.

import { formatLoss } from "./losses.js";

export const PHASES = ["dormant", "loading", "idle", "starting", "training", "pausing", "paused", "stopping",
  "stopped", "done", "experiment"];

// A model exists that can be sampled from.
const HAS_MODEL = ["paused", "stopped", "done"];
// A train request is outstanding (the worker owns the model).
const RUNNING = ["starting", "training", "pausing", "stopping", "experiment"];

const STATUS = {
  dormant: "Not loaded yet", loading: "Loading Python…", idle: "Ready", starting: "Preparing…", training: "Training",
  pausing: "Pausing…", paused: "Paused", stopping: "Stopping…", stopped: "Stopped", done: "Trained",
  experiment: "Running an experiment",
};

// What the Train controls say in each phase; idle says what is missing, or "Ready to train.".
const TRAIN_REASONS = {
  dormant: "Press Train to load Python in this page and train.",
  loading: "Waiting for Python to load.",
  starting: "Preparing the model…",
  training: "Training. Pause keeps the model so you can sample from it.",
  pausing: "Pausing after this chunk…",
  stopping: "Stopping after this chunk…",
  paused: "Paused. Resume continues from this step; Stop ends the run and keeps the model.",
  stopped: "Stopped. The model is kept: generate names from it, or train a new one.",
  done: "Done. The names below come from this model: generate more, or change settings and train a new model.",
  experiment: "An experiment is running; Train is free again when it ends.",
};

// The phase a finished `train` request leaves the page in, by the worker's reason. A run that diverged is stopped: its
// last finite model is kept and can be sampled.
export const AFTER_TRAINING = { pause: "paused", stop: "stopped", done: "done", diverged: "stopped" };

// After a `train` request failed: a run that has taken steps keeps its model (stopped); one that never began is idle.
export const afterFailedTraining = (tookSteps) => (tookSteps ? "stopped" : "idle");

// The phase a model from a checkpoint puts the page in: trained to its last step, resumable (Python has the data it
// was trained on), or kept for sampling only. summary: the `load` reply; kept: the phase the page was in when this
// browser kept the model, if it was: a run the learner stopped comes back stopped (Train free, nothing to stop again).
export const afterLoading = ({ step, config, resumable }, kept = null) =>
  (step >= config.num_steps ? "done" : resumable && kept !== "stopped" ? "paused" : "stopped");

// Pause or Stop pressed: the phase while the worker ends its chunk. A paused run has no chunk under way: Stop ends
// it at once.
export function halting(phase, kind) {
  if (phase === "paused" && kind === "stop") return "stopped";
  return kind === "pause" ? "pausing" : "stopping";
}

export const isRunning = (phase) => RUNNING.includes(phase);
export const hasModel = (phase) => HAS_MODEL.includes(phase);
// Python answers requests (before that, nothing can be checked or previewed).
export const isReady = (phase) => phase !== "loading" && phase !== "dormant";
// The model's settings and data cannot change under a model that is training or paused.
export const isLocked = (phase) => isRunning(phase) || phase === "paused";
// A preview of other data leaves a kept model (stopped, done) alone, but not one still in use.
export const canPreview = (phase) => ["idle", "stopped", "done"].includes(phase);
// An experiment needs the Session to itself: it may start when no model is in use (it replaces a kept one).
export const canExperiment = canPreview;
// Why an experiment cannot start now (the user-facing error), or null when it can.
export const experimentRefusal = (phase) => (canExperiment(phase) ? null
  : `the page is busy (${STATUS[phase]}); stop or finish training first`);

// Where keyboard focus goes when the pressed button disabled itself: to what one presses next in the new phase
// (Pause after Train, the same button as Resume after Pause, Generate once a model is kept, Train after Reset); null:
// not yet.
const FOCUS_AFTER = { idle: "train", training: "pause", paused: "pause", stopped: "generate", done: "generate" };
export const focusAfter = (phase) => FOCUS_AFTER[phase] ?? null;

// The sentence a screen reader hears when the phase changes (a polite live region), or "" for a passing phase.
// facts: {step, numSteps, holdout} of the run on screen.
export function announcement(phase, previous, { step, numSteps, holdout } = {}) {
  const count = (n) => (n ?? 0).toLocaleString("en");
  const at = step ? ` at step ${count(step)} of ${count(numSteps)}` : "";
  switch (phase) {
    case "loading": return "Loading Python…";
    case "idle": return previous === "loading" ? "Python is ready: you can train." : "Ready to train.";
    case "training": return previous === "paused" ? `Training resumed${at}.` : `Training started: ${count(numSteps)} steps.`;
    case "paused": return `Paused${at}.`;
    case "experiment": return "An experiment is running.";
    case "stopped": return `Stopped${at}. The model is kept.`;
    case "done": return `Training done: ${count(numSteps)} steps` +
      `${holdout === null || holdout === undefined ? "" : `, held-out loss ${formatLoss(holdout)}`}. Names follow.`;
    default: return "";
  }
}

// page: {phase, formReady: the settings form exists, settingsOk: Python found no problem in the model's settings,
//   samplingOk: nor in the sampling settings, dataOk: Python accepted the chosen data, dataChecking: Python is still
//   judging it, dataChosen: there is data to send (dormant: Python has not judged it yet), hasHistory: the page
//   shows a run (losses) that Reset would clear,
//   doneReason: what the Train controls say when done instead of the usual (an embed's invitation),
//   companion: Train both's other run (run/both.js) while it is not over: "training" or "paused", else null}.
export function controls({ phase, formReady = false, settingsOk = false, samplingOk = false, dataOk = false,
  dataChecking = false, dataChosen = false, hasHistory = false, doneReason = "", companion = null }) {
  if (!PHASES.includes(phase)) throw new Error(`unknown phase ${JSON.stringify(phase)}`);
  const ready = isReady(phase);
  const locked = isLocked(phase);
  // Train both's other run still trains (or is paused) after the page's own run ended: Pause and Stop act on it, and
  // nothing may replace the page's run (its chart shows the other run as the ghost) until it ends.
  const tail = companion !== null && ["idle", "stopped", "done"].includes(phase);
  // Dormant, nothing has checked the settings yet: the link's values passed the schema's rules, Python judges the rest.
  const canTrain = companion === null &&
    (phase === "dormant" ? formReady && dataChosen : ready && !locked && settingsOk && dataOk);

  let trainReason = (phase === "done" && doneReason) || (TRAIN_REASONS[phase] ?? "Ready to train.");
  if (tail) {
    trainReason = `The previous settings ${companion === "paused" ? "are paused" : "still train"} in a second ` +
      "worker: Stop ends them; Train is free when they end.";
  } else if (phase === "idle" && !settingsOk) trainReason = "Fix the settings marked in red to train.";
  else if (phase === "idle" && !dataOk) {
    trainReason = dataChecking ? "Checking the data…" : "Choose usable data to train.";
  }

  let sampleReason = "";
  if (phase === "training") sampleReason = "Pause or stop training to generate.";
  else if (phase === "experiment") sampleReason = "Wait for the experiment to end.";
  else if (!hasModel(phase)) sampleReason = "Train a model first.";
  else if (!samplingOk) sampleReason = "Fix the sampling settings marked in red.";

  return {
    status: tail ? `${companion === "paused" ? "Paused" : "Training"} (previous settings)` : STATUS[phase],
    fieldsEnabled: ready,                // the settings and sampling fieldsets
    dataEnabled: ready && !locked,
    locked,                              // the model's settings and data (sampling settings stay editable)
    train: canTrain,
    trainLabel: phase === "stopped" || phase === "done" ? "Train new model" : "Train",
    trainReason,
    // one button: Pause while training, Resume when paused
    pause: phase === "training" || phase === "paused" || tail,
    pauseLabel: phase === "paused" || (tail && companion === "paused") ? "Resume" : "Pause",
    stepOnce: phase === "paused",          // one training step under the microscope, then paused again
    stop: phase === "training" || phase === "paused" || tail,
    reset: ready && phase !== "experiment" && !(phase === "idle" && !hasHistory) && companion === null,
    generate: hasModel(phase) && samplingOk,
    sampleReason,
    ...modelControls(phase, companion),
  };
}

// The Model card: Download needs a model; Load replaces the model, so not while one is training.
function modelControls(phase, companion) {
  let modelReason = "";
  if (!isReady(phase)) modelReason = "Waiting for Python to load.";
  else if (isRunning(phase) || companion !== null) modelReason = "Pause or stop training to download or load a model.";
  else if (!hasModel(phase)) modelReason = "Train or load a model to download it.";
  return { download: hasModel(phase), load: isReady(phase) && !isRunning(phase) && companion === null, modelReason };
}
