import { test } from "node:test";
import assert from "node:assert/strict";
import { PER_WORKER_MB, armWorkers, forcedWorkers, longestFirst, trainingText } from "../../web/learn/arms.js";

const plan = (options) => armWorkers({ trainings: 3, cores: 8, memoryGb: 8, snapshot: true, ...options });

test("one worker per training (the page's and extra ones), up to one per core", () => {
  assert.deepEqual(plan({}), { workers: 3, note: "" });
  assert.deepEqual(plan({ cores: 2 }), { workers: 2, note: "" });
  assert.deepEqual(plan({ trainings: 2 }), { workers: 2, note: "" });
});

test("one worker, without a note, where nothing is short: one core, one training, no count reported", () => {
  assert.deepEqual(plan({ cores: 1 }), { workers: 1, note: "" });
  assert.deepEqual(plan({ trainings: 1 }), { workers: 1, note: "" });
  assert.deepEqual(plan({ trainings: 0 }), { workers: 1, note: "" });
  assert.deepEqual(plan({ cores: undefined }), { workers: 1, note: "" });
});

test("short memory or no snapshot: one worker, and the note says why", () => {
  const small = plan({ memoryGb: 0.5 });
  assert.equal(small.workers, 1);
  assert.match(small.note, /0\.5 GB of memory/);
  // A quarter of 1 GB holds one extra Python beside the page's (two workers), not two; of 2 GB, three.
  assert.equal(plan({ memoryGb: 1 }).workers, 2);
  assert.equal(plan({ memoryGb: 1, trainings: 4, cores: 8 }).workers, 1 + Math.floor(256 / PER_WORKER_MB));
  assert.equal(plan({ memoryGb: 2, trainings: 8 }).workers, 1 + Math.floor(512 / PER_WORKER_MB));
  const unknown = plan({ memoryGb: undefined });
  assert.equal(unknown.workers, 3, "a browser that does not say (Firefox, Safari) is not held back");
  const none = plan({ snapshot: false });
  assert.equal(none.workers, 1);
  assert.match(none.note, /no memory snapshot/);
});

test("?workers=N forces a count, cores or not, but never more than the trainings nor past the memory", () => {
  assert.equal(forcedWorkers("?workers=3"), 3);
  assert.equal(forcedWorkers("?a=1&workers=1"), 1);
  for (const search of ["", "?workers=0", "?workers=17", "?workers=2.5", "?workers=x", "?workers=-1"]) {
    assert.equal(forcedWorkers(search), null, search);
  }
  assert.equal(plan({ cores: 1, forced: 3 }).workers, 3);
  assert.equal(plan({ cores: 8, forced: 1 }).workers, 1);
  assert.equal(plan({ trainings: 2, forced: 3 }).workers, 2);
  assert.equal(plan({ forced: 3, snapshot: false }).workers, 1);
});

test("the status names the arms under way and the workers, or why one at a time", () => {
  assert.equal(trainingText(["block_size 16", "block_size 4"], { done: 1, total: 3, workers: 2 }),
    "Training block_size 16, block_size 4 side by side (2 workers, 1 of 3 done)…");
  assert.equal(trainingText(["block_size 1"], { done: 2, total: 3, workers: 1 }), "Training block_size 1 (3 of 3)…");
  assert.equal(trainingText(["n_layer 2"], { done: 0, total: 2, workers: 1, note: "no room" }),
    "Training n_layer 2 (1 of 2), one at a time: no room…");
});

test("side by side the longest training comes first, for the page's worker, whose Python is up", () => {
  assert.deepEqual(longestFirst(["100 steps", "1000 steps"], [1.5, 15]), ["1000 steps", "100 steps"]);
  assert.deepEqual(longestFirst(["16", "4", "1"], [6, 3, 1]), ["16", "4", "1"]);
  assert.deepEqual(longestFirst(["a", "b", "c"], [2, 2, 3]), ["c", "a", "b"]);      // equal ones keep their order
  assert.deepEqual(longestFirst(["a", "b"], []), ["a", "b"]);                       // no estimates: as they were
});
