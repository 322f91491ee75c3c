// The shapes beside the code and the one-step microscope: wording and rows from Python's replies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { annotationsByLine, shapeText } from "../../web/learn/shapes.js";
import { END_GLYPH as END } from "../../web/insight/insight.js";
import { lossSummary, pageMatrixName, positionRows, tokenText, topUpdates } from "../../web/learn/step.js";
import { plainNumber } from "../../web/base/format.js";

const m = (name, rows, cols) => ({ name, rows, cols, params: rows * cols });

test("a shape annotation names what the line computes, its shape and its matrices' parameters", () => {
  assert.equal(shapeText({ what: "q", shape: "16 → 4 heads × 4", matrices: [m("attn_wq", 16, 16)] }),
    "q: 16 → 4 heads × 4 · attn_wq 16 × 16 = 256 parameters");
  assert.equal(shapeText({ what: "attention logits", shape: "1 × t per head (t ≤ 16)", matrices: [] }),
    "attention logits: 1 × t per head (t ≤ 16)");
  assert.equal(shapeText({ what: "embedding", shape: "→ 16", matrices: [m("wte", 27, 16), m("wpe", 16, 16)] }),
    "embedding: → 16 · wte 27 × 16 = 432 + wpe 16 × 16 = 256 = 688 parameters");
  assert.equal(shapeText({ what: "mlp hidden", shape: "64 → 256", matrices: [m("mlp_fc1", 256, 64)] }),
    "mlp hidden: 64 → 256 · mlp_fc1 256 × 64 = 16,384 parameters");
  const byLine = annotationsByLine({ lines: [{ line: 3, what: "a", shape: "1", matrices: [] },
    { line: 3, what: "b", shape: "2", matrices: [] }, { line: 9, what: "c", shape: "3", matrices: [] }] });
  assert.deepEqual([...byLine], [[3, "a: 1; b: 2"], [9, "c: 3"]]);
});

test("the microscope names tokens (the end token by its glyph) and keeps Python's numbers", () => {
  const reply = { vocab: "abn", bos: 3, tokens: [3, 0, 2, 3], event: { step: 7, loss: 1.23456 },
    positions: [{ pos: 0, token: 3, target: 0, p: 0.5, loss: 0.69 }, { pos: 1, token: 0, target: 2, p: 0.25, loss: 1.38 },
      { pos: 2, token: 2, target: 3, p: 0.2, loss: 1.6 }],
    updates: [{ name: "wte", update_norm: 0.2, weight_norm: 2, grad_norm: 1 },
      { name: "lm_head", update_norm: 0.1, weight_norm: 0, grad_norm: 3 }] };
  assert.equal(tokenText(3, "abn", 3), END);
  assert.deepEqual(positionRows(reply).map(({ from, to, p }) => [from, to, p]), [[END, "a", 0.5], ["a", "n", 0.25], ["n", END, 0.2]]);
  assert.equal(lossSummary(reply), "mean of 3 loss terms = 1.2346, the loss of step 7");
  assert.deepEqual(topUpdates(reply, 1), [{ name: "wte", update: 0.2, grad: 1, relative: 0.1, share: 1 }]);
  assert.equal(topUpdates(reply)[1].relative, null);
  assert.equal(topUpdates(reply)[1].share, 0.5);
});

test("the microscope counts layers from 1 and writes numbers without e-notation", () => {
  assert.equal(pageMatrixName("layer0.attn_wq"), "layer 1 attn_wq");
  assert.equal(pageMatrixName("layer11.mlp_fc2"), "layer 12 mlp_fc2");
  assert.equal(pageMatrixName("lm_head"), "lm_head");
  assert.deepEqual([0.00321, 0.0000451, 0.41, 1.234, 12.3, 456.7, 0].map(plainNumber),
    ["0.0032", "0.000045", "0.41", "1.2", "12", "457", "0"]);
  assert.equal(plainNumber(1e-9), "0.0000000010");
  assert.ok(![1e-12, 3e-7, 5e21].some((value) => /e/.test(plainNumber(value))));
});
