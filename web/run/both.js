// "Train both", with no DOM (tests/js/both.test.mjs): when the run on screen stopped before its last step and a
// teaching setting has changed since, the page offers to train that run's settings to the end and the new settings at
// once: the new run in the page's worker (it becomes the model, as Train's run would), the previous settings in one
// extra worker of learn/arms-control.js, drawn live as the Training chart's ghost. A run that took all its steps is not
// offered: training is seeded, so training its settings again would draw the same curve the ghost already shows.
// both-control.js wires it.

// run: the page's run on screen, {phase, summary (its `configure` reply), runData (its data payload, null when the
// page lacks it), lastStep (its last step taken), diverged (it blew up), edited (the Code card's edit is in use)};
// changes: settings/guidance.js's changedSettings for the form against it; canTrain: the Train button is enabled.
// Returns {offered, text}: text says what Train both would do ("" when not offered).
export function bothOffer({ phase, summary, runData, lastStep, diverged, edited }, changes, canTrain) {
  const no = { offered: false, text: "" };
  if (phase !== "stopped" || !summary || !canTrain || changes.length === 0) return no;
  // Seeded training gives a diverged run the same divergence again; edited code lives in the page's worker only.
  if (diverged || summary.edited || edited || runData === null || summary.num_docs === null) return no;
  const total = summary.config.num_steps;
  if (!(lastStep > 0 && lastStep < total)) return no;
  return { offered: true, text: `Your run stopped at step ${count(lastStep)} of ${count(total)}. Train both trains ` +
    "its settings to the end and yours at once, and draws both curves on the Training chart." };
}

const count = (n) => n.toLocaleString("en");

// Why the two trainings go one after another: the plan's note (learn/arms.js: memory, no snapshot, extra workers
// that could not start), the address's `?workers=1`, or the cores the browser reports (navigator.hardwareConcurrency).
export function oneWorkerReason(note, cores, forced = null) {
  if (note) return note;
  if (forced !== null) return `the address asks for one worker (?workers=${forced})`;
  if (Number.isInteger(cores)) {
    return `this browser reports ${cores} ${cores === 1 ? "core" : "cores"}`;
  }
  return "this browser does not say how many cores it has";
}

// What the Train card says while both train: side by side (and how the previous settings fare: starting, paused,
// stopped, done, failed; nothing while they train), or one after another and why. previous: the previous settings'
// values that differ ("learning_rate 0.01"). A live region reads it, so the step count is apart (sideProgress).
export function bothStatus({ parallel, reason = "", previous, state = "training" }) {
  if (!parallel) return `Training both one after another (${reason}): first the previous settings, then yours.`;
  const how = state === "training" ? "" : ` (${state})`;
  return `Training both side by side: yours here, the previous settings (${previous}) in a second worker${how}.`;
}

// The previous settings' step, beside that line (not read out at every chunk).
export const sideProgress = (step, numSteps) =>
  (step === null ? "" : `Previous settings: step ${count(step)} of ${count(numSteps)}.`);
