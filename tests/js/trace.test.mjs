// The diagram's decisions (web/insight/trace.js): stage boxes in model.py's order, shapes in words, numbers without
// e-notation, colour shares, blame by gradient size, positions of a name, labels pushed apart, a graph's columns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { matrixName } from "../../web/base/format.js";
import {
  blame, cellShades, gradNorm, graphLayout, keptPosition, numberText, positionsOf, rowsOf, shapeWords,
  spreadLabels, stageGroups,
} from "../../web/insight/trace.js";

const CONFIG = { n_layer: 2, n_head: 4, head_dim: 4, n_embd: 16, vocab_size: 27 };
const stage = (id, shape = [16], grad = null) => {
  const [layer, name] = id.includes(".") ? [Number(id.slice(5, id.indexOf("."))), id.split(".")[1]] : [null, id];
  return { id, name, layer, shape, grad };
};

test("stages are boxed as model.py runs them: embeddings, each layer's attention and MLP, the output", () => {
  const ids = ["tok_emb", "pos_emb", "embed", "embed_norm", "layer1.attn_norm", "layer1.q", "layer1.attn_residual",
    "layer1.mlp_norm", "layer1.relu", "layer1.mlp_residual", "layer2.q", "layer2.fc1", "logits", "probs", "p", "loss"];
  const groups = stageGroups(ids.map((id) => stage(id)));
  assert.deepEqual(groups.map((group) => group.title), ["Embeddings", "Layer 1 · attention", "Layer 1 · MLP",
    "Layer 2 · attention", "Layer 2 · MLP", "Output"]);
  assert.deepEqual(groups[2].stages.map((s) => s.name), ["mlp_norm", "relu", "mlp_residual"]);
  assert.equal(groups.flatMap((group) => group.stages).length, ids.length);
});

test("a shape says where its sizes come from", () => {
  assert.equal(shapeWords(stage("embed"), CONFIG), "16 (n_embd)");
  assert.equal(shapeWords(stage("layer1.fc1", [64]), CONFIG), "64 (4 × n_embd)");
  assert.equal(shapeWords(stage("logits", [27]), CONFIG), "27 (vocab)");
  assert.equal(shapeWords(stage("layer1.q", [4, 4]), CONFIG), "4 heads × 4 (head_dim)");
  assert.equal(shapeWords(stage("layer1.weights", [4, 1]), CONFIG), "4 heads × 1 position so far");
  assert.equal(shapeWords(stage("layer1.scores", [1, 3]), { ...CONFIG, n_head: 1 }), "1 head × 3 positions so far");
  assert.equal(shapeWords(stage("loss", []), CONFIG), "1 number");
});

test("numbers are written out, never in e-notation", () => {
  assert.equal(numberText(0.123456), "0.1235");
  assert.equal(numberText(-2.5), "−2.500");
  assert.equal(numberText(1234.5), "1235");
  assert.equal(numberText(0.00001234), "0.00001234");
  assert.equal(numberText(3e-12), "≈0");
  assert.equal(numberText(0), "0");
  for (const x of [1e-7, 5e-5, 123456789, -7.7e-6]) assert.doesNotMatch(numberText(x), /e/i);
});

test("cells are shaded by their share of the stage's largest magnitude, rows per head", () => {
  assert.deepEqual(rowsOf([1, 2]), [[1, 2]]);
  assert.deepEqual(rowsOf([[1], [2]]), [[1], [2]]);
  assert.deepEqual(rowsOf(0.5), [[0.5]]);
  assert.deepEqual(cellShades([[1, -2], [0.5, 0]]), [[0.5, -1], [0.25, 0]]);
  assert.deepEqual(cellShades([[0, 0]]), [[0, 0]]);
});

test("blame: the stage with the largest gradient is 1, a thousand times smaller 0, no gradient absent", () => {
  const stages = [stage("embed", [2], [3, 4]), stage("logits", [2], [0.003, 0.004]), stage("probs", [2], null),
    stage("layer1.q", [1, 2], [[0.03, 0.04]])];
  assert.equal(gradNorm([3, 4]), 5);
  assert.equal(gradNorm(null), null);
  const shares = blame(stages);
  assert.deepEqual(Object.keys(shares).sort(), ["embed", "layer1.q", "logits"]);
  assert.equal(shares.embed, 1);
  assert.ok(Math.abs(shares.logits) < 1e-12);
  assert.ok(Math.abs(shares["layer1.q"] - 1 / 3) < 1e-12);
});

test("a name's positions: each reads a character (the start first) and predicts the next (the end last)", () => {
  assert.deepEqual(positionsOf("ab"), [{ position: 0, reads: "◆", predicts: "a" }, { position: 1, reads: "a", predicts: "b" },
    { position: 2, reads: "b", predicts: "◆" }]);
  assert.equal(keptPosition(3, "ab"), 2);
  assert.equal(keptPosition(1, "abc"), 1);
  assert.equal(keptPosition(4, ""), 0);
});

test("labels are pushed apart until none overlaps, and the same points give the same result", () => {
  const points = [[100, 100], [104, 101], [100, 100], [300, 300], [102, 97]];
  const offsets = spreadLabels(points, 8);
  const placed = points.map(([x, y], i) => [x + offsets[i][0], y + offsets[i][1]]);
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      assert.ok(Math.hypot(placed[i][0] - placed[j][0], placed[i][1] - placed[j][1]) >= 16 - 1e-6, `${i} and ${j}`);
    }
  }
  assert.deepEqual(offsets[3], [0, 0], "a label with room stays on its point");
  assert.deepEqual(spreadLabels(points, 8), offsets);
});

test("a Value graph is laid out left to right, the neuron in the last column", () => {
  // relu <- + <- (*, *) ; each * <- (w, x)
  const graph = { nodes: Array.from({ length: 7 }, (_, id) => ({ id })), edges: [
    { from: 1, to: 0 }, { from: 2, to: 1 }, { from: 3, to: 1 }, { from: 4, to: 2 }, { from: 5, to: 2 },
    { from: 6, to: 3 }, { from: 4, to: 3 }] };
  const layout = graphLayout(graph);
  assert.equal(layout.columns, 4);
  assert.deepEqual(layout.place[0], { column: 3, row: 0 });
  assert.deepEqual(layout.place.map((p) => p.column), [3, 2, 1, 1, 0, 0, 0]);
  assert.equal(layout.rows, 3);
});

test("weight matrices are named with layers from 1", () => {
  assert.equal(matrixName(1, "attn_wq"), "layer 1 attn_wq");
  assert.equal(matrixName(null, "wte"), "wte");
});
