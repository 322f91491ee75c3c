// What each phase allows, checked without a browser: web/base/phases.js decides, app.js only applies its answer.

import { test } from "node:test";
import assert from "node:assert/strict";
import { AFTER_TRAINING, PHASES, afterFailedTraining, afterLoading, announcement, canExperiment, canPreview, controls,
  experimentRefusal, focusAfter, halting, hasModel, isLocked }
  from "../../web/base/phases.js";

// A page whose settings, sampling settings and data Python accepted.
const usable = { formReady: true, settingsOk: true, samplingOk: true, dataOk: true, dataChosen: true };
const enabledButtons = (c) => ["train", "pause", "stop", "reset", "generate"].filter((name) => c[name]);

test("while Python loads nothing can be pressed, and the page says why", () => {
  const c = controls({ phase: "loading", ...usable, hasHistory: true });
  assert.deepEqual(enabledButtons(c), []);
  assert.equal(c.fieldsEnabled, false);
  assert.equal(c.dataEnabled, false);
  assert.equal(c.trainReason, "Waiting for Python to load.");
  assert.equal(c.sampleReason, "Train a model first.");
  assert.equal(c.status, "Loading Python…");
});

test("idle with usable settings and data: only Train", () => {
  const c = controls({ phase: "idle", ...usable });
  assert.deepEqual(enabledButtons(c), ["train"]);
  assert.equal(c.trainReason, "Ready to train.");
  assert.equal(c.trainLabel, "Train");
  assert.equal(c.locked, false);
});

test("idle says what keeps Train disabled: the settings first, then the data", () => {
  const badSettings = controls({ phase: "idle", ...usable, settingsOk: false, dataOk: false });
  assert.equal(badSettings.train, false);
  assert.equal(badSettings.trainReason, "Fix the settings marked in red to train.");
  const badData = controls({ phase: "idle", ...usable, dataOk: false });
  assert.equal(badData.train, false);
  assert.equal(badData.trainReason, "Choose usable data to train.");
  const checking = controls({ phase: "idle", ...usable, dataOk: false, dataChecking: true });
  assert.equal(checking.train, false);
  assert.equal(checking.trainReason, "Checking the data…");
});

test("Reset is offered once there is something to clear", () => {
  assert.equal(controls({ phase: "idle", ...usable, hasHistory: false }).reset, false);
  assert.equal(controls({ phase: "idle", ...usable, hasHistory: true }).reset, true);
  assert.equal(controls({ phase: "stopped", ...usable }).reset, true);
});

test("training locks the model's settings and data, but not the sampling settings' fieldset", () => {
  const c = controls({ phase: "training", ...usable, hasHistory: true });
  assert.deepEqual(enabledButtons(c), ["pause", "stop", "reset"]);
  assert.equal(c.pauseLabel, "Pause");
  assert.equal(c.locked, true);
  assert.equal(c.dataEnabled, false);
  assert.equal(c.fieldsEnabled, true);
  assert.equal(c.sampleReason, "Pause or stop training to generate.");
});

test("paused: resume, stop or generate; the model stays locked", () => {
  const c = controls({ phase: "paused", ...usable, hasHistory: true });
  assert.deepEqual(enabledButtons(c), ["pause", "stop", "reset", "generate"]);
  assert.equal(c.pauseLabel, "Resume", "one button: Pause while training, Resume when paused");
  assert.equal(c.locked, true);
  assert.equal(c.sampleReason, "");
});

test("a kept model (stopped, done) unlocks the settings and offers a new model", () => {
  for (const phase of ["stopped", "done"]) {
    const c = controls({ phase, ...usable, hasHistory: true });
    assert.deepEqual(enabledButtons(c), ["train", "reset", "generate"], phase);
    assert.equal(c.trainLabel, "Train new model");
    assert.equal(c.locked, false);
  }
});

test("bad sampling settings disable Generate and say so", () => {
  const c = controls({ phase: "done", ...usable, samplingOk: false });
  assert.equal(c.generate, false);
  assert.equal(c.sampleReason, "Fix the sampling settings marked in red.");
});

test("halting phases allow nothing but Reset", () => {
  for (const phase of ["starting", "pausing", "stopping"]) {
    assert.deepEqual(enabledButtons(controls({ phase, ...usable, hasHistory: true })), ["reset"], phase);
  }
});

test("the dormant widget can train as soon as the form shows data, before Python judged anything", () => {
  const c = controls({ phase: "dormant", formReady: true, dataChosen: true });
  assert.equal(c.train, true);
  assert.equal(c.fieldsEnabled, false);
  assert.equal(c.trainReason, "Press Train to load Python in this page and train.");
  assert.equal(controls({ phase: "dormant", formReady: false, dataChosen: true }).train, false);
  assert.equal(controls({ phase: "dormant", formReady: true, dataChosen: false }).train, false);
});

test("every phase has a status label and a train reason; unknown phases are refused", () => {
  for (const phase of PHASES) {
    const c = controls({ phase, ...usable });
    assert.ok(c.status, phase);
    assert.ok(c.trainReason, phase);
  }
  assert.throws(() => controls({ phase: "flying" }), /unknown phase "flying"/);
});

test("where a finished train request leaves the page, and what may be previewed", () => {
  assert.deepEqual(AFTER_TRAINING, { pause: "paused", stop: "stopped", done: "done", diverged: "stopped" });
  assert.deepEqual(PHASES.filter(canPreview), ["idle", "stopped", "done"]);
  assert.deepEqual(PHASES.filter(hasModel), ["paused", "stopped", "done"]);
  assert.deepEqual(PHASES.filter(isLocked), ["starting", "training", "pausing", "paused", "stopping", "experiment"]);
});

test("Step once only when paused; an experiment holds every control until it ends", () => {
  for (const phase of PHASES) assert.equal(controls({ phase, ...usable, hasHistory: true }).stepOnce, phase === "paused");
  const c = controls({ phase: "experiment", ...usable, hasHistory: true });
  assert.deepEqual(enabledButtons(c), []);
  assert.equal(c.locked, true);
  assert.equal(c.status, "Running an experiment");
  assert.equal(c.sampleReason, "Wait for the experiment to end.");
  assert.deepEqual(PHASES.filter(canExperiment), ["idle", "stopped", "done"]);
});

test("the Model card: download a model that exists, load whenever none is training, and say why not", () => {
  const at = (phase) => controls({ phase, ...usable });
  assert.deepEqual([at("loading").download, at("loading").load], [false, false]);
  assert.equal(at("loading").modelReason, "Waiting for Python to load.");
  assert.deepEqual([at("idle").download, at("idle").load], [false, true]);
  assert.equal(at("idle").modelReason, "Train or load a model to download it.");
  for (const phase of ["starting", "training", "pausing", "stopping"]) {
    assert.deepEqual([at(phase).download, at(phase).load], [false, false], phase);
    assert.match(at(phase).modelReason, /Pause or stop training/);
  }
  for (const phase of ["paused", "stopped", "done"]) {
    assert.deepEqual([at(phase).download, at(phase).load, at(phase).modelReason], [true, true, ""], phase);
  }
});

test("focus moves on to what one presses next, and waits through passing phases", () => {
  assert.deepEqual(Object.fromEntries(PHASES.map((phase) => [phase, focusAfter(phase)])), {
    dormant: null, loading: null, idle: "train", starting: null, training: "pause", pausing: null, paused: "pause",
    stopping: null, stopped: "generate", done: "generate", experiment: null,
  });
  // Every control named is one that phase enables.
  for (const phase of PHASES.filter((p) => focusAfter(p))) {
    assert.equal(controls({ phase, ...usable, hasHistory: true })[focusAfter(phase)], true, phase);
  }
});

test("phase changes are announced in a sentence; passing phases say nothing", () => {
  const facts = { step: 120, numSteps: 1000, holdout: 2.41234 };
  assert.equal(announcement("training", "starting", facts), "Training started: 1,000 steps.");
  assert.equal(announcement("training", "paused", facts), "Training resumed at step 120 of 1,000.");
  assert.equal(announcement("paused", "pausing", facts), "Paused at step 120 of 1,000.");
  assert.equal(announcement("stopped", "stopping", facts), "Stopped at step 120 of 1,000. The model is kept.");
  assert.equal(announcement("done", "training", facts), "Training done: 1,000 steps, held-out loss 2.412. Names follow.");
  assert.equal(announcement("done", "training", { ...facts, holdout: null }), "Training done: 1,000 steps. Names follow.");
  assert.equal(announcement("idle", "loading"), "Python is ready: you can train.");
  assert.equal(announcement("experiment", "idle"), "An experiment is running.");
  for (const phase of ["starting", "pausing", "stopping", "dormant"]) assert.equal(announcement(phase, "idle", facts), "");
});

test("an embed's invitation replaces the done reason, and only that one", () => {
  const invite = "Done. Now change the learning rate and train again.";
  assert.equal(controls({ phase: "done", ...usable, doneReason: invite }).trainReason, invite);
  assert.notEqual(controls({ phase: "stopped", ...usable, doneReason: invite }).trainReason, invite);
  assert.match(controls({ phase: "done", ...usable }).trainReason, /^Done\. The names below come from this model/);
});

test("after a failed train request a run with steps is kept, one without leaves the page idle", () => {
  assert.equal(afterFailedTraining(true), "stopped");
  assert.equal(afterFailedTraining(false), "idle");
});

test("a loaded model is done at its last step, paused when resumable, else stopped", () => {
  const config = { num_steps: 100 };
  assert.equal(afterLoading({ step: 100, config, resumable: true }), "done");
  assert.equal(afterLoading({ step: 40, config, resumable: true }), "paused");
  assert.equal(afterLoading({ step: 40, config, resumable: false }), "stopped");
  // A model this browser kept comes back as the page had it: paused if it was paused, stopped if the learner stopped it.
  assert.equal(afterLoading({ step: 40, config, resumable: true }, "paused"), "paused");
  assert.equal(afterLoading({ step: 40, config, resumable: true }, "stopped"), "stopped");
  assert.equal(afterLoading({ step: 100, config, resumable: true }, "stopped"), "done");
});

test("Pause and Stop wait for the chunk, except Stop on a paused run, which ends it at once", () => {
  assert.equal(halting("training", "pause"), "pausing");
  assert.equal(halting("training", "stop"), "stopping");
  assert.equal(halting("paused", "stop"), "stopped");
});

test("an experiment is refused, with the page's status, while a model is in use", () => {
  for (const phase of ["idle", "stopped", "done"]) assert.equal(experimentRefusal(phase), null);
  assert.equal(experimentRefusal("training"), "the page is busy (Training); stop or finish training first");
  assert.equal(experimentRefusal("paused"), "the page is busy (Paused); stop or finish training first");
});

test("Train both's other run, training after the page's own run ended: Pause and Stop act on it, nothing replaces it", () => {
  for (const phase of ["done", "stopped", "idle"]) {
    const c = controls({ phase, ...usable, hasHistory: true, companion: "training" });
    assert.deepEqual(enabledButtons(c).filter((name) => name !== "generate"), ["pause", "stop"], phase);
    assert.equal(c.pauseLabel, "Pause");
    assert.equal(c.load, false);
    assert.equal(c.status, "Training (previous settings)");
    assert.match(c.trainReason, /^The previous settings still train in a second worker: Stop ends them/);
  }
  const paused = controls({ phase: "done", ...usable, hasHistory: true, companion: "paused" });
  assert.equal(paused.pauseLabel, "Resume");
  assert.equal(paused.status, "Paused (previous settings)");
  // While the page's run trains too, its own controls are as always, but Reset and Load wait for both.
  const both = controls({ phase: "training", ...usable, hasHistory: true, companion: "training" });
  assert.deepEqual(enabledButtons(both), ["pause", "stop"]);
  assert.equal(both.status, "Training");
  assert.deepEqual(enabledButtons(controls({ phase: "training", ...usable, hasHistory: true })),
    ["pause", "stop", "reset"]);
});
