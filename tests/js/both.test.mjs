// "Train both": when the page offers it, and what it says, without a browser (web/run/both.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { bothOffer, bothStatus, oneWorkerReason, sideProgress } from "../../web/run/both.js";

const SUMMARY = { config: { num_steps: 1000, learning_rate: 0.01 }, num_docs: 32033, edited: false };
const CHANGES = [{ name: "learning_rate", label: "Learning rate", trained: 0.01, current: 0.02 }];
const STOPPED = { phase: "stopped", summary: SUMMARY, runData: { source: "builtin" }, lastStep: 200, diverged: false,
  edited: false };

test("offered when the run on screen stopped early and a setting changed since", () => {
  assert.deepEqual(bothOffer(STOPPED, CHANGES, true), { offered: true, text: "Your run stopped at step 200 of " +
    "1,000. Train both trains its settings to the end and yours at once, and draws both curves on the Training chart." });
});

test("not offered where it would add nothing or cannot train the run before as it was", () => {
  const offered = (run, changes = CHANGES, canTrain = true) => bothOffer({ ...STOPPED, ...run }, changes, canTrain).offered;
  assert.equal(offered({}, []), false, "nothing changed");
  assert.equal(offered({}, CHANGES, false), false, "Train is not possible (settings in red, data being checked)");
  assert.equal(offered({ phase: "done", lastStep: 1000 }), false, "it took all its steps: the ghost is its curve");
  assert.equal(offered({ lastStep: 1000 }), false, "stopped at its last step");
  assert.equal(offered({ diverged: true }), false, "seeded: it would diverge again");
  assert.equal(offered({ phase: "training" }), false);
  assert.equal(offered({ phase: "paused" }), false);
  assert.equal(offered({ edited: true }), false, "an edit lives in the page's worker only");
  assert.equal(offered({ summary: { ...SUMMARY, edited: true } }), false);
  assert.equal(offered({ runData: null }), false, "the page lacks its data");
  assert.equal(offered({ lastStep: 0 }), false, "it took no step");
  assert.equal(offered({ summary: null }), false);
});

test("one worker: the page says why", () => {
  assert.equal(oneWorkerReason("", 1), "this browser reports 1 core");
  assert.equal(oneWorkerReason("", undefined), "this browser does not say how many cores it has");
  assert.equal(oneWorkerReason("", 8, 1), "the address asks for one worker (?workers=1)");
  assert.equal(oneWorkerReason("this device reports 1 GB of memory, too little for another Python", 8),
    "this device reports 1 GB of memory, too little for another Python");
  assert.equal(bothStatus({ parallel: false, reason: "why" }),
    "Training both one after another (why): first the previous settings, then yours.");
  assert.equal(bothStatus({ parallel: true, previous: "learning_rate 0.01" }),
    "Training both side by side: yours here, the previous settings (learning_rate 0.01) in a second worker.");
  assert.equal(bothStatus({ parallel: true, previous: "n_embd 16", state: "paused" }),
    "Training both side by side: yours here, the previous settings (n_embd 16) in a second worker (paused).");
  assert.equal(sideProgress(3000, 10000), "Previous settings: step 3,000 of 10,000.");
  assert.equal(sideProgress(null, 10000), "");
});
