// What this browser keeps (web/keep/keep.js, web/runs/runs.js): every entry is checked when read and only a bad one is
// dropped, said once; two tabs' runs merge instead of overwriting each other; each tab restores its own model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { droppedNotice, modelProblem, modelsToDrop, pickModel, readKept, runProblem, settingsProblem }
  from "../../web/keep/keep.js";
import { makeRecord, mergeRuns } from "../../web/runs/runs.js";
import { SAVE_EVERY_MS, saveDue, saveEveryMs } from "../../web/python/recovery.js";

const CONFIG = { n_embd: 16, n_head: 4, num_steps: 3, learning_rate: 0.01, engine: "fast", prefix: "" };
const EVENTS = [{ step: 1, loss: 3.3 }, { step: 2, loss: 3.1, holdout_loss: 3.2 }, { step: 3, loss: NaN }];
const run = (id, key, finishedAt = id) => makeRecord({ id, key, config: CONFIG, data: { source: "builtin" }, numDocs: 10,
  events: EVENTS, samples: ["ann"], durationS: 1, startedAt: finishedAt - 1, finishedAt });
const model = (savedAt, step = 3) => ({ checkpoint: "{}", savedAt, origin: "trained here", step, numSteps: 3,
  edited: false, dataDescription: "d", events: EVENTS, startedAt: savedAt - 1 });
const SETTINGS = { values: { n_embd: "16", source: "text" }, text: "ann\nbob\n" };

test("a run, a model and the settings as the page writes them are accepted", () => {
  assert.equal(runProblem(run(1, "a/1")), null);
  assert.equal(runProblem(JSON.parse(JSON.stringify({ ...run(1, "a/1"), started_at: undefined }))), null);
  assert.equal(modelProblem(model(5)), null);
  assert.equal(modelProblem({ ...model(5), events: undefined, startedAt: undefined }), null);
  assert.equal(settingsProblem(SETTINGS), null);
});

test("what the page cannot use is named: a record missing fields, of the wrong kinds, or not a record", () => {
  assert.equal(runProblem({ id: 1 }), "its key is missing");
  assert.equal(runProblem({ ...run(1, "a/1"), curve: [[1, "3"]] }), "its curve is not usable");
  assert.equal(runProblem({ ...run(1, "a/1"), config: { num_steps: -1 } }), "its config is not usable");
  assert.equal(runProblem({ ...run(1, "a/1"), samples: [3] }), "its samples is not usable");
  assert.equal(runProblem(null), "not a record");
  assert.equal(modelProblem({ ...model(5), checkpoint: 7 }), "its checkpoint is not usable");
  assert.equal(modelProblem({ ...model(5), events: [{ step: 1 }] }), "its events is not usable");
  assert.equal(settingsProblem("n_embd=16"), "not a record of settings");
});

test("one malformed record drops only itself: the rest is restored, and the notice says so once", () => {
  const kept = readKept([
    ["model:t1", model(5)], ["run:a/1", run(1, "a/1")], ["run:a/2", [{ id: 1 }]], ["settings", SETTINGS],
    ["runs", [{ id: 1 }, run(2, undefined)]], ["model", { checkpoint: 1 }], ["junk", 3],
  ]);
  assert.deepEqual(kept.settings, SETTINGS);
  // The old page's list: its good record is kept under a key its number gives it, its bad one dropped.
  assert.deepEqual(kept.runs.map((r) => r.key), ["a/1", "legacy/2"]);
  assert.deepEqual(kept.models.map(([key]) => key), ["model:t1"]);
  assert.deepEqual(kept.bad.map(([key, kind]) => [key, kind]),
    [["run:a/2", "run"], ["runs", "run"], ["model", "model"], ["junk", "entry"]]);
  assert.deepEqual(kept.legacy, ["runs"]);
  assert.equal(droppedNotice(kept.bad), "This browser had kept 2 runs, 1 model and 1 entry that this page cannot " +
    "read; they were dropped, and everything else is restored.");
  assert.equal(droppedNotice([["settings", "settings", "x"]]), "This browser had kept settings that this page cannot " +
    "read; it was dropped, and everything else is restored.");
  assert.equal(droppedNotice([]), null);
  // The report's case: the old run list is `[{id: 1}]`.
  const report = readKept([["runs", [{ id: 1 }]], ["model", model(5)]]);
  assert.equal(report.runs.length, 0);
  assert.equal(report.models.length, 1);
  assert.equal(report.bad.length, 1);
});

test("a reload restores its own tab's model, a new tab the newest; old models beyond the cap are dropped", () => {
  const models = [["model:a", model(10)], ["model:b", model(30)], ["model:c", model(20)], ["model", model(5)]];
  assert.equal(pickModel(models, "a").savedAt, 10);
  assert.equal(pickModel(models, "new").savedAt, 30);
  assert.equal(pickModel([], "a"), null);
  // Three models stay: this tab's (written next) and the two newest others.
  assert.deepEqual(modelsToDrop(models, "a"), ["model:a", "model"].filter((key) => key !== "model:a"));
  assert.deepEqual(modelsToDrop(models, "new"), ["model:a", "model"]);
});

test("two tabs' runs merge: each keeps its own, takes the other's, and the numbers are made unique alike", () => {
  const a1 = run(1, "a/1", 100);
  const b1 = run(1, "b/1", 200);
  const ownA = (key) => key.startsWith("a/");
  const ownB = (key) => key.startsWith("b/");
  // Tab A has its run (maybe not yet stored); storage has B's: both are shown, B's renumbered after A's.
  const inA = mergeRuns({ mine: [a1], stored: [b1], own: ownA });
  assert.deepEqual(inA.map((r) => [r.key, r.id]), [["a/1", 1], ["b/1", 2]]);
  // Tab B reaches the same list from its side.
  const inB = mergeRuns({ mine: [b1], stored: [a1, b1], own: ownB });
  assert.deepEqual(inB.map((r) => [r.key, r.id]), [["a/1", 1], ["b/1", 2]]);
  // A's own copy wins over a stale stored one (its write may be pending); B's stored copy wins over A's old view.
  const resampled = { ...a1, samples: ["new"] };
  const b1named = { ...b1, id: 2, samples: ["bee"] };
  const again = mergeRuns({ mine: [resampled, { ...b1, id: 2 }], stored: [a1, b1named], own: ownA });
  assert.deepEqual(again.map((r) => r.samples), [["new"], ["bee"]]);
  // A run deleted in another tab goes: B's (no longer stored), and A's own when the message names it.
  assert.deepEqual(mergeRuns({ mine: [a1, b1], stored: [a1], own: ownA }).map((r) => r.key), ["a/1"]);
  assert.deepEqual(mergeRuns({ mine: [a1, b1], stored: [b1], own: ownA, deleted: new Set(["a/1"]) })
    .map((r) => r.key), ["b/1"]);
  // The cap keeps the newest.
  assert.deepEqual(mergeRuns({ mine: [a1], stored: [b1], own: ownA, cap: 1 }).map((r) => r.key), ["b/1"]);
});

test("a running run is saved every few seconds, less often when one save takes long", () => {
  assert.equal(SAVE_EVERY_MS, 5_000);
  assert.equal(saveEveryMs(3), 5_000);
  assert.equal(saveEveryMs(1_000), 50_000, "a save of one second is made at most every 50 s: 2% of training");
  assert.equal(saveDue(0, 4_999), false);
  assert.equal(saveDue(0, 5_000), true);
  assert.equal(saveDue(0, 10_000, 1_000), false);
});
