import { test } from "node:test";
import assert from "node:assert/strict";
import { BASELINE, CITIES, EXPERIMENTS, MEASURES, SKIP, arms, findExperiment, finishedRun, measured, outcome, question,
  sameTraining, trainingKey, trainings, verdict } from "../../web/learn/experiments.js";

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

// One arm's measured numbers, as the view hands them to outcome() and verdict().
const result = (label, finalHoldout, meanLength, extra = {}) =>
  ({ label, finalHoldout, finalLoss: finalHoldout, meanLength, inTraining: 0, diverged: null, ...extra });

test("every experiment asks one question whose choices include the answer its expectation gives", () => {
  for (const experiment of EXPERIMENTS) {
    assert.ok(experiment.measure in MEASURES, experiment.name);
    const asked = question(experiment);
    assert.deepEqual(asked.choices.map((choice) => choice.value), MEASURES[experiment.measure].choices);
    assert.ok(MEASURES[experiment.measure].choices.includes(experiment.expected), experiment.name);
    assert.ok(!asked.text.includes(experiment.expected), `${experiment.name}: the question must not give it away`);
  }
  assert.deepEqual(question(findExperiment("learning-rate-x10")), {
    text: "With learning_rate 0.1 instead of learning_rate 0.01, the held-out loss will be…",
    choices: [{ value: "higher", label: "higher" }, { value: "about the same", label: "about the same (within 0.05)" },
      { value: "lower", label: "lower" }],
  });
  // With three arms the question is about the last, the farthest from the baseline.
  assert.equal(question(findExperiment("context")).text, "With block_size 1 instead of block_size 16, the names will be…");
  assert.equal(question(findExperiment("temperature")).choices[1].label, "about the same (within 0.5 letters)");
});

test("the measured outcome is marked against the prediction and the expectation", () => {
  const x10 = findExperiment("learning-rate-x10");      // expected: higher
  const higher = [result("learning_rate 0.01", 2.3585, 5), result("learning_rate 0.1", 2.6285, 5.3)];
  assert.deepEqual(verdict(x10, higher, "higher"), [
    { text: "You said higher — it was higher by 0.270 ✓", right: true },
    { text: "The stated expectation said higher ✓", right: true },
  ]);
  assert.deepEqual(verdict(x10, higher, "lower")[0], { text: "You said lower — it was higher by 0.270 ✗", right: false });
  assert.deepEqual(verdict(x10, higher, SKIP)[0], { text: "You made no prediction — it was higher by 0.270.", right: null });
  // The expectation can be wrong too, and is marked so.
  const lower = [result("a", 2.5, 5), result("b", 2.3, 5)];
  assert.deepEqual(verdict(x10, lower, "lower"), [
    { text: "You said lower — it was lower by 0.200 ✓", right: true },
    { text: "The stated expectation said higher ✗", right: false },
  ]);
});

test("'about the same' is a difference smaller than the stated margin, either way", () => {
  const heads = findExperiment("heads");                // expected: about the same
  const margin = MEASURES.loss.same;
  assert.deepEqual(measured(heads, [result("a", 2.3, 5), result("b", 2.3 + margin * 0.9, 5)]),
    { answer: "about the same", it: "about the same (0.045 higher, within 0.05)" });
  assert.equal(measured(heads, [result("a", 2.3, 5), result("b", 2.3 - margin * 0.9, 5)]).it,
    "about the same (0.045 lower, within 0.05)");
  assert.equal(measured(heads, [result("a", 2.3, 5), result("b", 2.3, 5)]).it, "about the same (no difference, within 0.05)");
  assert.equal(measured(heads, [result("a", 2.3, 5), result("b", 2.36, 5)]).answer, "higher");
  assert.equal(measured(heads, [result("a", 2.3, 5), result("b", 2.24, 5)]).answer, "lower");
  assert.equal(verdict(heads, [result("a", 2.3, 5), result("b", 2.31, 5)], "about the same")[0].right, true);
  // Lengths: the names' mean length against its own margin, in letters.
  const temperature = findExperiment("temperature");   // expected: longer
  const runs = [result("t 0.2", 2, 4.8), result("t 1", 2, 5.7, { shared: true }), result("t 1.5", 2, 7.4, { shared: true })];
  assert.deepEqual(verdict(temperature, runs, "shorter"), [
    { text: "You said shorter — it was longer by 2.6 letters ✗", right: false },
    { text: "The stated expectation said longer ✓", right: true },
  ]);
  assert.equal(measured(temperature, [result("a", 2, 5), result("b", 2, 5.4)]).it,
    "about the same (0.4 letters longer, within 0.5 letters)");
});

test("a diverged arm counts as a higher loss, and leaves no names to compare", () => {
  const x10 = findExperiment("learning-rate-x10");
  const diverged = [result("a", 2.3, 5), result("b", null, null, { finalLoss: null, diverged: { step: 40 } })];
  assert.deepEqual(verdict(x10, diverged, "higher")[0],
    { text: "You said higher — it was higher: it diverged at step 40 (the loss stopped being a number) ✓", right: true });
  const context = findExperiment("context");
  assert.deepEqual(verdict(context, diverged, "shorter"), [
    { text: "You said shorter — it was no names: it diverged at step 40", right: null },
    { text: "The stated expectation said shorter", right: null },
  ]);
});
