// The ghost on the Training chart, the timeline of names, the marks where a curve leaves a chart's top, and the
// verdicts that compare two runs: the logic, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ghostLabel, ghostOf, shortTimeline, timelineNames, timelineStep } from "../../web/run/ghost.js";
import { CAP_FACTOR, axisTop, excursions, offAxisMarks, offAxisText } from "../../web/base/off-axis.js";
import { makeRecord, peakLoss, verdict, verdicts } from "../../web/runs/runs.js";
import { formatLoss, smoothLosses } from "../../web/base/losses.js";

const CONFIG = { n_embd: 16, learning_rate: 0.01, num_steps: 3, seed: 42, temperature: 0.5 };
const SUMMARY = { config: CONFIG, num_docs: 100, vocab_size: 27 };
const EVENTS = [{ step: 1, loss: 3.3 }, { step: 2, loss: 3.1, holdout_loss: 3.2 }, { step: 3, loss: 2.9 }];

test("the run before becomes a ghost: its smoothed curve, named by what changed since", () => {
  const ghost = ghostOf(SUMMARY, null, EVENTS);
  assert.deepEqual(ghost.steps, [1, 2, 3]);
  assert.deepEqual(ghost.smoothed, smoothLosses([3.3, 3.1, 2.9]));
  const next = { ...SUMMARY, config: { ...CONFIG, learning_rate: 0.1 } };
  assert.equal(ghostLabel(ghost, next, null), "previous run: learning_rate 0.01 → 0.1");
  assert.equal(ghostLabel(ghost, SUMMARY, { source: "builtin" }), "previous run: same settings");
  assert.equal(ghostLabel(ghost, { ...SUMMARY, config: { ...CONFIG, temperature: 1 } }, null),
    "previous run: same settings", "sampling settings do not change training");
  assert.match(ghostLabel(ghost, SUMMARY, { source: "text", text: "ann\nbob" }),
    /^previous run: data built-in names \(100 documents\) → your text/);
  assert.equal(ghostOf(SUMMARY, null, []), null, "a run that took no step leaves no ghost");
  assert.equal(ghostOf(null, null, EVENTS), null);
  assert.deepEqual(ghostOf(SUMMARY, null, [...EVENTS, { step: 4, loss: Infinity }]).steps, [1, 2, 3]);
});

test("the timeline keeps its first row, its newest and evenly spread steps between", () => {
  const entries = Array.from({ length: 11 }, (_, i) => ({ step: 100 * i, holdout_loss: null, names: ["a", ""] }));
  assert.deepEqual(shortTimeline(entries.slice(0, 4)).map(({ step }) => step), [0, 100, 200, 300]);
  assert.deepEqual(shortTimeline(entries).map(({ step }) => step), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(shortTimeline(entries, 3).map(({ step }) => step), [0, 500, 1000]);
  assert.equal(timelineStep({ step: 1200 }), "step 1,200");
  assert.deepEqual(timelineNames(entries[0]), ["a", "(empty)"]);
});

test("a chart's top stops at 1.5 ln V; stretches above it are marked once, at their peak", () => {
  const ln27 = Math.log(27);
  assert.equal(axisTop([2, 3, 4], ln27), 4);
  assert.equal(axisTop([2, 100, null], ln27), CAP_FACTOR * ln27);
  assert.equal(axisTop([1, 2], ln27), ln27, "the baseline is always in view");
  assert.equal(axisTop([1, 2], null), 2);
  const steps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const values = [3, 9, 100, 8, 3, 3, 3, 3, 7, null];
  assert.deepEqual(excursions(steps, values, 5), [{ from: 2, to: 4, step: 3, value: 100 },
    { from: 9, to: 9, step: 9, value: 7 }]);
  assert.deepEqual(excursions(steps, values, 5, 5), [{ from: 2, to: 9, step: 3, value: 100 }], "close stretches merge");
  assert.deepEqual(excursions(steps, values, 200), []);
  const marks = offAxisMarks([{ label: "training loss", steps, values }, { label: "smoothed", steps, values: steps.map(() => 3) }], 5);
  assert.deepEqual(marks.map(({ label, step }) => [label, step]), [["training loss", 3], ["training loss", 9]]);
  assert.equal(offAxisText(marks, 5, formatLoss),
    "▲ marks where a curve leaves the top of the axis (5.000): training loss up to 100.000 at step 3.");
  assert.equal(offAxisText([], 5, formatLoss), "");
  assert.deepEqual(offAxisMarks([{ label: "x", steps, values }], null), []);
});

function run(id, { config = {}, curve = null, diverged = false, data = { source: "builtin" } } = {}) {
  const events = (curve ?? [[1, 3.3], [2, 3.0, 2.9], [3, 2.6], [4, 2.5, 2.4]])
    .map(([step, loss, holdout]) => ({ step, loss, ...(holdout === undefined ? {} : { holdout_loss: holdout }) }));
  return makeRecord({ id, config: { ...CONFIG, ...config }, data, numDocs: 100, vocabSize: 27, events, durationS: 1,
    diverged });
}

test("a verdict says which final loss, by how much the later run is better or worse", () => {
  const a = run(1);
  const worse = run(2, { config: { learning_rate: 0.003 }, curve: [[1, 3.3], [2, 3.2, 3.1], [3, 3.0], [4, 2.9, 2.4832]] });
  assert.equal(verdict(a, worse), "#2 vs #1: held-out 2.483 vs 2.400: worse by 0.083.");
  const better = run(3, { curve: [[1, 3.3], [2, 3.0, 2.9], [3, 2.6], [4, 2.5, 2.3]] });
  assert.equal(verdict(a, better), "#3 vs #1: held-out 2.300 vs 2.400: better by 0.100.");
  assert.equal(verdict(a, run(4)), "#4 vs #1: held-out 2.400 vs 2.400: about the same (within 0.005).");
  const noHoldout = run(5, { curve: [[1, 3], [2, 2]] });
  assert.match(verdict(a, noHoldout), /^#5 vs #1: loss \(smoothed\) \d\.\d{3} vs \d\.\d{3}: (better|worse) by \d\.\d{3}\.$/);
});

test("a spike above 1.5 ln V is said to mean steps too big; an early one is called early", () => {
  const a = run(1);
  const spiky = run(2, { config: { learning_rate: 0.5 },
    curve: [[1, 3.3], [2, 100.2], [3, 9], [4, 2.6], [5, 2.5], [6, 2.45], [7, 2.4], [8, 2.4], [9, 2.4], [10, 2.36, 2.363]] });
  assert.deepEqual(peakLoss(spiky), { step: 2, loss: 100.2 });
  assert.equal(verdict(a, spiky),
    "#2 vs #1: held-out 2.363 vs 2.400: better by 0.037; #2's early spike to 100.2 at step 2 means the steps were too big.");
  const late = run(3, { curve: [[1, 3.3], [2, 3], [3, 2.9], [4, 2.8], [5, 2.7], [6, 2.6], [7, 2.5], [8, 2.5], [9, 6], [10, 2.5, 2.5]] });
  assert.match(verdict(spiky, late), /#3's spike to 6\.0 at step 9 means the steps were too big; #2's early spike/);
});

test("a diverged run has no figure to compare; memorising and other data are said", () => {
  const a = run(1);
  const broken = run(2, { diverged: true, curve: [[1, 3.3], [2, 40]] });
  assert.equal(verdict(a, broken), "#2 vs #1: #2 diverged at step 3, so there is no final loss to compare; the steps " +
    "were too big (try a smaller learning_rate).");
  const low = Array.from({ length: 200 }, (_, i) => [i + 1, 1.4]);
  low[199] = [200, 1.4, 2.3];
  const memorising = run(3, { curve: low });
  assert.match(verdict(a, memorising), /#3 does better on its training names than on new ones \(gap 0\.\d{3}\): it is memorising\.$/);
  const other = run(4, { data: { source: "text", text: "ann\nbob" } });
  assert.match(verdict(a, other), /they trained on different data, so their losses measure different things\.$/);
  assert.deepEqual(verdicts([run(7), a, run(4)]).map((line) => line.slice(0, 9)), ["#4 vs #1:", "#7 vs #4:"]);
  assert.deepEqual(verdicts([a]), []);
});

test("train again on every change: only when asked, and never over a run that trains or is paused", async () => {
  const { AUTO_TRAIN_MS, retrainNow } = await import("../../web/run/ghost.js");
  assert.equal(AUTO_TRAIN_MS, 600);
  for (const phase of ["idle", "done", "stopped"]) {
    assert.equal(retrainNow(phase, true), true, phase);
    assert.equal(retrainNow(phase, false), false, phase);
  }
  for (const phase of ["loading", "starting", "training", "pausing", "paused", "stopping", "experiment", "dormant"]) {
    assert.equal(retrainNow(phase, true), false, phase);
  }
});
