import { test } from "node:test";
import assert from "node:assert/strict";
import { aboutText, calibrate, chunkDeadlineMs, costText, editBusyText, editStuckText, eventsUpTo, lostText,
  replyDeadlineMs, runSeconds, sampleDeadlineMs, saveDue, SAVE_EVERY_MS, START_RETRY_DELAYS_MS, startGaveUpText,
  startRetryText, stepOnceDeadlineMs } from "../../web/python/recovery.js";

test("a chunk's deadline follows the estimated step time, never below ten seconds", () => {
  assert.equal(chunkDeadlineMs(null), 10_000);
  assert.equal(chunkDeadlineMs({ seconds_per_step: 0.01 }), 10_000);
  assert.equal(chunkDeadlineMs({ seconds_per_step: 5 }), 40_000);
  assert.equal(chunkDeadlineMs({ seconds_per_step: 5, seconds_per_evaluation: 100 }), 40_000);
});

test("step once waits for a step and two held-out evaluations (one a pause left unfinished, one due)", () => {
  assert.equal(stepOnceDeadlineMs(null), 10_000);
  assert.equal(stepOnceDeadlineMs({ seconds_per_step: 5, seconds_per_evaluation: 0 }), 40_000);
  assert.equal(stepOnceDeadlineMs({ seconds_per_step: 5, seconds_per_evaluation: 10 }), 200_000);
});

test("the last model is saved every SAVE_EVERY_MS of training", () => {
  assert.equal(saveDue(0, SAVE_EVERY_MS - 1), false);
  assert.equal(saveDue(0, SAVE_EVERY_MS), true);
});

test("the cost is a run's length in the page's time, from the estimate until a run has measured this browser", () => {
  const cost = { memory_mb: 41.4, seconds_per_step: 0.0135 };
  assert.equal(costText(4192, null, 1000), "4,192 parameters.");
  assert.equal(costText(4192, cost, 1000), "4,192 parameters · ≈25\u00a0s a run here.");   // 27 s, said as an estimate
  assert.equal(costText(4192, cost, 100), "4,192 parameters · ≈3\u00a0s a run here.");
  assert.equal(costText(14528, { memory_mb: 1500, seconds_per_step: 4 }, 1000),
    "14,528 parameters · ≈2\u00a0h 13\u00a0min a run here.");
  // A run measured at 0.015 s a step where 0.027 was estimated: later estimates shrink by the same ratio.
  const calibration = calibrate(0.015, cost);
  assert.ok(Math.abs(calibration - 0.015 / 0.027) < 1e-12);
  assert.equal(costText(4192, cost, 1000, calibration), "4,192 parameters · ≈15\u00a0s a run here.");
  assert.equal(costText(4192, cost, 3000, calibration), "4,192 parameters · ≈45\u00a0s a run here.");
  assert.equal(calibrate(0, cost), null);
  assert.equal(calibrate(0.01, null), null);
  assert.equal(runSeconds(cost, 0), null);
  assert.deepEqual([5, 59, 89, 91, 600, 5400].map(aboutText),
    ["≈5\u00a0s", "≈60\u00a0s", "≈90\u00a0s", "≈2\u00a0min", "≈10\u00a0min", "≈1\u00a0h 30\u00a0min"]);
});

test("a restored model keeps the curve up to its checkpoint, and the banner says what comes back", () => {
  assert.deepEqual(eventsUpTo([{ step: 1 }, { step: 2 }, { step: 3 }], 2), [{ step: 1 }, { step: 2 }]);
  assert.equal(lostText("the Python worker crashed", { step: 120 }),
    "The Python worker crashed. A new one is starting; your settings are kept, and the model comes back as it was " +
    "at step 120.");
  assert.match(lostText("the Python worker crashed", null), /no trained model to keep/);
});

test("an edit that does not return is named with its line, and the banner says the original code comes back", () => {
  assert.match(editBusyText({ seconds: 3.2, line: 12 }),
    /^The edited model\.py has not returned for 3 s \(it is running line 12\)\. Stop restarts Python/);
  const stopped = editStuckText({ seconds: 4.6, line: 12 }, { stopped: true });
  assert.equal(stopped, "you stopped the edited model.py: it ran 5 s without returning, at line 12");
  assert.equal(editStuckText({ seconds: 19, line: 3 }), "the edited model.py did not return: it ran 19 s without " +
    "returning, at line 3");
  assert.equal(lostText(stopped, { step: 6 }, { edit: true }), "You stopped the edited model.py: it ran 5 s without " +
    "returning, at line 12. Python starts again with the original model.py (your edit stays in the editor, not " +
    "applied); your settings are kept, and the model comes back as it was at step 6.");
});

test("quick requests and samples of a small model have seconds; whole models and edits have longer", () => {
  assert.equal(replyDeadlineMs("check"), 10_000);
  assert.equal(replyDeadlineMs("sample"), 10_000);
  assert.ok(replyDeadlineMs("load") > 30_000 && replyDeadlineMs("edit") > 10_000);
  assert.equal(sampleDeadlineMs(null, 20), 5_000);
  assert.equal(sampleDeadlineMs({ seconds_per_step: 0.014 }, 20), 5_000);
  assert.equal(sampleDeadlineMs({ seconds_per_step: 1 }, 20), 80_000);     // a big model's draw is not a hang
});

test("a start that failed is tried again after 1, 2 and 4 s, then the reader is told what to do", () => {
  assert.deepEqual(START_RETRY_DELAYS_MS, [1000, 2000, 4000]);
  const reason = "pyodide/pyodide.asm.wasm did not download (network error)";
  assert.equal(startRetryText(reason, 1, 1000), `${reason}. Trying again in 1 s (try 2 of 4).`);
  assert.equal(startRetryText(reason, 3, 0), `${reason}. Trying again (try 4 of 4).`);
  assert.equal(startGaveUpText(reason, { download: true, tries: 4 }),
    `${reason}. Tried 4 times. Check the connection, then press Retry.`);
  assert.equal(startGaveUpText("ValueError: bad wheel"), "ValueError: bad wheel. Press Retry to start Python again.");
});
