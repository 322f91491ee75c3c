// The run record, the capped list, what differs between runs (names and legends) and the overlay's smoothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_RUNS, addRun, deleteRun, describeData, differences, fingerprint, formatDuration, legendLabels, makeRecord,
  nextRunId, overlayData, runName, runNames, runStyle, smoothCurve, textsWithSettings,
} from "../../web/runs/runs.js";

const CONFIG = { n_embd: 16, n_head: 4, block_size: 16, learning_rate: 0.01, num_steps: 3, seed: 42,
  engine: "fast", num_samples: 20, temperature: 0.5, prefix: "" };
const EVENTS = [{ step: 1, loss: 3.3 }, { step: 2, loss: 3.1, holdout_loss: 3.2 }, { step: 3, loss: 2.9 }];

function record(id, changes = {}, data = { source: "builtin" }, events = EVENTS) {
  return makeRecord({ id, config: { ...CONFIG, ...changes }, data, numDocs: 100, events, samples: ["ann"],
    durationS: 1.5, command: "python -m microgpt train", finishedAt: 0 });
}

test("a record keeps the curve as [step, loss, holdout|null] and its final losses", () => {
  const run = record(1);
  assert.deepEqual(run.curve, [[1, 3.3, null], [2, 3.1, 3.2], [3, 2.9, null]]);
  assert.equal(run.final_loss, 2.9);
  assert.equal(run.final_holdout, 3.2);
  assert.equal(run.diverged, false);
  assert.equal(run.edited, false);
  assert.deepEqual(JSON.parse(JSON.stringify(run)), run, "a record survives JSON unchanged");
});

test("a record without held-out evaluations says so with null", () => {
  const run = record(1, {}, undefined, [{ step: 1, loss: 3 }]);
  assert.equal(run.final_holdout, null);
  assert.equal(makeRecord({ id: 2, config: CONFIG, events: [], durationS: 0 }).final_loss, null);
});

test("the list is capped, dropping the oldest first, and never edited in place", () => {
  let runs = [];
  for (let id = 1; id <= MAX_RUNS + 3; id++) runs = addRun(runs, record(id));
  assert.equal(runs.length, MAX_RUNS);
  assert.deepEqual(runs.map((run) => run.id).slice(0, 2), [4, 5]);
  assert.equal(runs.at(-1).id, MAX_RUNS + 3);
  const before = [record(1)];
  assert.equal(addRun(before, record(2)).length, 2);
  assert.equal(before.length, 1);
});

test("delete removes only that run, and new ids never reuse a kept one", () => {
  const runs = [record(1), record(2), record(3)];
  assert.deepEqual(deleteRun(runs, 2).map((run) => run.id), [1, 3]);
  assert.equal(nextRunId(deleteRun(runs, 2)), 4);
  assert.equal(nextRunId([]), 1);
});

test("the first run is the baseline; later ones are named by what changed", () => {
  const runs = [record(1), record(2, { learning_rate: 0.03 }), record(3, { learning_rate: 0.03, block_size: 4 })];
  assert.deepEqual(runNames(runs), ["baseline", "learning_rate 0.01 → 0.03", "block_size 16 → 4"]);
});

test("several changes are all listed, in the config's order", () => {
  const name = runName(record(2, { seed: 7, n_embd: 8 }), record(1));
  assert.equal(name, "n_embd 16 → 8, seed 42 → 7");
});

test("sampling settings do not make a different run", () => {
  assert.equal(runName(record(2, { temperature: 1, num_samples: 5 }), record(1)), "same settings as #1");
});

test("different data is a difference, named by its description", () => {
  const pasted = record(2, {}, { source: "text", text: "ab\nba\n" });
  assert.equal(runName(pasted, record(1)), "data built-in names (100 documents) → your text (100 documents)");
  const other = record(3, {}, { source: "text", text: "cd\ndc\n" });
  assert.deepEqual(differences(pasted, other).map((change) => change.name), ["data"]);
  assert.deepEqual(differences(pasted, record(4, {}, { source: "text", text: "ab\nba\n" })), []);
});

test("the legend names only what varies among the runs shown", () => {
  const runs = [record(1), record(2, { learning_rate: 0.03 })];
  assert.deepEqual(legendLabels(runs), ["#1 learning_rate 0.01", "#2 learning_rate 0.03"]);
  assert.deepEqual(legendLabels([record(1), record(5)]), ["#1", "#5"]);
  assert.deepEqual(legendLabels([record(1, { engine: "scalar" }), record(2), record(3, { seed: 1 })]),
    ["#1 engine scalar, seed 42", "#2 engine fast, seed 42", "#3 engine fast, seed 1"]);
});

test("smoothing is a debiased moving average: a constant stays constant", () => {
  const flat = smoothCurve([[1, 2], [2, 2], [3, 2]]);
  for (const value of flat) assert.ok(Math.abs(value - 2) < 1e-12);
  const [first, second] = smoothCurve([[1, 3], [2, 1]], 0.5);
  assert.equal(first, 3);
  assert.ok(Math.abs(second - (0.5 * 1.5 + 0.5) / 0.75) < 1e-12);
});

test("the overlay aligns runs of different lengths on one step axis", () => {
  const short = record(1, {}, undefined, [{ step: 1, loss: 3 }, { step: 2, loss: 3 }]);
  const long = record(2, {}, undefined, [{ step: 1, loss: 2 }, { step: 2, loss: 2 }, { step: 3, loss: 2 }]);
  const [steps, a, b] = overlayData([short, long]);
  assert.deepEqual(steps, [1, 2, 3]);
  assert.equal(a[2], null);
  assert.ok(Math.abs(b[2] - 2) < 1e-12);
});

test("fingerprints tell texts apart and descriptions name the source", () => {
  assert.notEqual(fingerprint("ab"), fingerprint("ba"));
  assert.equal(describeData({ source: "builtin" }, 5163).description, "built-in names (5,163 documents)");
  assert.equal(describeData({ source: "text", text: "x" }).text, "x");
});

test("durations read like the page's other durations", () => {
  assert.equal(formatDuration(1.26), "1.3 s");
  assert.equal(formatDuration(42.4), "42 s");
  assert.equal(formatDuration(125), "2 min 5 s");
});

test("each run keeps one look: 7 colours, then the next dash style", () => {
  const looks = Array.from({ length: 21 }, (_, i) => JSON.stringify(runStyle(i + 1)));
  assert.equal(new Set(looks).size, 21, "the 20 kept runs never share colour and dash");
  assert.deepEqual(runStyle(1), { colour: 0, dash: [] });
  assert.equal(runStyle(8).colour, 0);
  assert.notDeepEqual(runStyle(8).dash, runStyle(1).dash);
});

test("a run's settings go into the form as text: all of them, or all but the sampling ones", () => {
  const texts = { n_embd: "8", temperature: "0.9", num_samples: "5", theme: "dark" };
  const config = { n_embd: 16, temperature: 0.5, num_samples: 20, seed: 42 };
  assert.deepEqual(textsWithSettings(texts, config), { n_embd: "16", temperature: "0.5", num_samples: "20", theme: "dark" });
  assert.deepEqual(textsWithSettings(texts, config, { sampling: false }),
    { n_embd: "16", temperature: "0.9", num_samples: "5", theme: "dark" });
  assert.equal(texts.n_embd, "8", "the form's texts are not changed in place");
});

test("a run of edited code is named by its edit, not by the scalar engine the edit chose", () => {
  const edited = (id, changes = {}) => ({ ...record(id, { engine: "scalar", ...changes }), edited: true });
  assert.equal(runName(edited(2), record(1)), "edited model.py");
  assert.equal(runName(edited(2, { learning_rate: 0.03 }), record(1)), "learning_rate 0.01 → 0.03, edited model.py");
  assert.equal(runName(record(3), edited(2)), "original model.py");
  assert.equal(runName(edited(3), edited(2)), "same settings as #2, edited model.py");
  assert.equal(runName(edited(1), undefined), "baseline, edited model.py");
  // A scalar run of the original code against an edited one differs only by its code.
  assert.equal(runName(record(3, { engine: "scalar" }), edited(2)), "original model.py");
  assert.deepEqual(legendLabels([record(1), edited(2)]), ["#1 original model.py", "#2 edited model.py"]);
});

test("a run of edited code gives the form its settings but not its engine", () => {
  const texts = { n_embd: "8", engine: "fast" };
  assert.deepEqual(textsWithSettings(texts, { n_embd: 16, engine: "scalar" }, { edited: true }),
    { n_embd: "16", engine: "fast" });
  assert.deepEqual(textsWithSettings(texts, { n_embd: 16, engine: "scalar" }), { n_embd: "16", engine: "scalar" });
});
