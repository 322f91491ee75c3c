// One final-loss figure: the same smoothing and the same decimals on every card (base/losses.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { HELD_OUT_LOSS, SMOOTHED_LOSS, Smoother, finalLosses, formatLoss, smoothLosses } from "../../web/base/losses.js";
import { finalFigures, makeRecord, smoothCurve } from "../../web/runs/runs.js";
import { outcome } from "../../web/learn/experiments.js";

const EVENTS = [{ step: 1, loss: 3.3 }, { step: 2, loss: 3.1, holdout_loss: 3.2 }, { step: 3, loss: 2.1466 }];

test("a loss is written with 3 decimals, a missing or non-finite one as a dash", () => {
  assert.equal(formatLoss(2.14664), "2.147");
  assert.equal(formatLoss(2), "2.000");
  for (const none of [null, undefined, NaN, Infinity]) assert.equal(formatLoss(none), "–");
  assert.equal(SMOOTHED_LOSS, "loss (smoothed)");
  assert.equal(HELD_OUT_LOSS, "held-out loss");
});

test("the smoother fed one loss at a time gives the smoothed list, debiased from the first point", () => {
  const smoother = new Smoother();
  const one = EVENTS.map(({ loss }) => smoother.add(loss));
  assert.deepEqual(one, smoothLosses(EVENTS.map(({ loss }) => loss)));
  assert.equal(one[0], 3.3, "the first smoothed value is the first loss, not pulled towards 0");
  assert.deepEqual(smoothCurve([[1, 3.3], [2, 3.1], [3, 2.1466]]), one, "the run list's curves smooth the same way");
});

test("a run's final figure is its last smoothed loss, not its last step's loss, on the run list as on the chart", () => {
  const record = makeRecord({ id: 1, config: {}, data: { source: "builtin" }, events: EVENTS, durationS: 1 });
  const final = finalFigures(record);
  assert.equal(final.smoothed, smoothLosses([3.3, 3.1, 2.1466])[2]);
  assert.notEqual(formatLoss(final.smoothed), formatLoss(2.1466));
  assert.equal(final.holdout, 3.2);
  assert.deepEqual(finalLosses(EVENTS), final);
  assert.deepEqual(finalLosses([]), { smoothed: null, holdout: null });
  assert.deepEqual(finalLosses([{ loss: 3 }, { loss: Infinity }]), { smoothed: 3, holdout: null },
    "a step that blew up is not part of the figure");
});

test("the experiments name the final losses alike", () => {
  const [line] = outcome({}, [{ label: "a", finalHoldout: null, finalLoss: 2.18049, meanLength: 5, inTraining: 0 }]);
  assert.match(line, /^a: loss \(smoothed\) 2\.180 \(no held-out data\)/);
});
