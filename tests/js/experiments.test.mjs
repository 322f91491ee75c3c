import { test } from "node:test";
import assert from "node:assert/strict";
import { BASELINE, CITIES, EXPERIMENTS, arms, findExperiment, finishedRun, outcome, sameTraining, trainingKey, trainings }
  from "../../web/learn/experiments.js";

// Every setting an arm sets, sampling and data included, as one flat object.
const settings = (arm) => ({ ...arm.config, ...arm.sampling, data: JSON.stringify(arm.data) });

test("each experiment's arms differ from the baseline in exactly the named setting", () => {
  for (const experiment of EXPERIMENTS) {
    const [baseline, ...changed] = arms(experiment);
    assert.ok(changed.length >= 1, experiment.name);
    const own = experiment.setting in baseline.config ? { [experiment.setting]: experiment.values[0] } : {};
    assert.deepEqual(baseline.config, { ...BASELINE, ...own }, `${experiment.name}: BASELINE and its first value`);
    for (const arm of changed) {
      const [a, b] = [settings(baseline), settings(arm)];
      const differing = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => a[key] !== b[key]);
      assert.deepEqual(differing, [experiment.setting], `${experiment.name}: ${arm.label}`);
    }
  }
});

test("names are unique, link-safe, and every experiment says what to expect before it runs", () => {
  const names = EXPERIMENTS.map((experiment) => experiment.name);
  assert.equal(new Set(names).size, names.length);
  for (const experiment of EXPERIMENTS) {
    assert.match(experiment.name, /^[a-z0-9-]+$/);
    assert.ok(experiment.expect.length > 40 && experiment.expect.length < 320, experiment.name);
    assert.equal(findExperiment(experiment.name), experiment);
  }
  assert.equal(findExperiment("nope"), null);
});

test("the experiments the issue asks for are there, each with its values", () => {
  const values = Object.fromEntries(EXPERIMENTS.map((e) => [e.setting + ":" + e.name, e.values]));
  assert.deepEqual(values["block_size:context"], [16, 4, 1]);
  assert.deepEqual(values["learning_rate:learning-rate-tenth"], [0.01, 0.001]);
  assert.deepEqual(values["learning_rate:learning-rate-x10"], [0.01, 0.1]);
  assert.deepEqual(values["temperature:temperature"], [0.2, 1.0, 1.5]);
  assert.deepEqual(values["num_steps:steps"], [100, 1000]);
  assert.ok(CITIES.split("\n").length > 100 && !CITIES.includes(" "));
});

test("a sampling experiment trains one model; the others train one per arm", () => {
  assert.equal(trainings(arms(findExperiment("temperature"))).length, 1);
  assert.equal(trainings(arms(findExperiment("context"))).length, 3);
  // Config keys in another order are the same training.
  assert.equal(trainingKey({ config: { a: 1, b: 2 }, data: {} }), trainingKey({ config: { b: 2, a: 1 }, data: {} }));
});

test("the outcome states the measured numbers and compares with the baseline", () => {
  const experiment = findExperiment("learning-rate-x10");
  const lines = outcome(experiment, [
    { label: "learning_rate 0.01", finalHoldout: 2.3012, finalLoss: 2.2, meanLength: 5.25, inTraining: 0.3, diverged: null },
    { label: "learning_rate 0.1", finalHoldout: 2.5, finalLoss: 2.4, meanLength: 4.0, inTraining: 0.05, diverged: null },
  ]);
  assert.equal(lines[0], "learning_rate 0.01: held-out loss 2.301, names 5.3 letters long on average, " +
    "30 % of them copied from the training data.");
  assert.match(lines[2], /learning_rate 0\.1 against learning_rate 0\.01: its loss is 0\.199 higher, its names are 1\.3 letters shorter\./);
  const diverged = outcome(experiment, [{ label: "a", finalHoldout: 2, meanLength: 5, inTraining: 0, diverged: null },
    { label: "b", finalHoldout: null, finalLoss: null, meanLength: null, inTraining: null, diverged: { step: 7 } }]);
  assert.equal(diverged[1], "b: diverged at step 7 (the loss stopped being a number).");
  assert.equal(diverged.length, 2);
  const shared = outcome(findExperiment("temperature"), [
    { label: "t 0.2", finalHoldout: 2, meanLength: 5, inTraining: 0.5, diverged: null },
    { label: "t 1.5", finalHoldout: 2, meanLength: 7, inTraining: 0.1, diverged: null, shared: true },
  ]);
  assert.equal(shared[2], "t 1.5 against t 0.2: its names are 2.0 letters longer.");
});

test("a finished run is reused for an arm only when it trained exactly as the arm would", () => {
  const defaults = { n_embd: 16, learning_rate: 0.01, num_steps: 1000, eval_every: 100, temperature: 0.5, seed: 42 };
  const [baseline, faster] = arms(findExperiment("learning-rate-x10"));
  const run = { config: { ...defaults, num_steps: 300, eval_every: 50 }, data: { source: "builtin" } };
  assert.equal(sameTraining(baseline, run, defaults), true);
  assert.equal(sameTraining(baseline, run, { ...defaults, sample_seed: 1, source: "builtin" }), true);
  assert.equal(sameTraining(faster, run, defaults), false);
  assert.equal(sameTraining(baseline, { ...run, config: { ...run.config, temperature: 1.2 } }, defaults), true);
  assert.equal(sameTraining(baseline, { ...run, config: { ...run.config, seed: 7 } }, defaults), false);
  assert.equal(sameTraining(baseline, { ...run, data: { source: "text", text: "ann" } }, defaults), false);
  const [, cities] = arms(findExperiment("data"));
  assert.equal(sameTraining(cities, { ...run, data: { source: "text", text: CITIES } }, defaults), true);
});

test("only a run trained to its end with the page's own model.py is offered to an experiment", () => {
  const summary = { config: { n_layer: 1 }, edited: false };
  const page = { phase: "done", summary, data: { source: "builtin" }, events: [{ step: 1 }], defaults: { n_layer: 1 } };
  const run = finishedRun(page);
  assert.deepEqual(run, { config: summary.config, data: page.data, events: page.events, defaults: page.defaults });
  assert.notEqual(run.events, page.events, "a copy: the page's own list goes on changing");
  assert.equal(finishedRun({ ...page, phase: "stopped" }), null);
  assert.equal(finishedRun({ ...page, summary: { ...summary, edited: true } }), null);
  assert.equal(finishedRun({ ...page, summary: null }), null);
  assert.equal(finishedRun({ ...page, data: null }), null);      // a loaded model trained on data the page lacks
});
