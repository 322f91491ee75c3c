// What the diagram of one traced name shows, decided without a DOM: the stages of a `trace` reply grouped as
// model.py runs them, each stage's shape in words for the current settings, numbers written out (never
// e-notation), the colour scale of a row of cells, how much a step's loss blames each stage, the positions of the
// name a learner can pick, labels of the embedding map pushed apart so that none covers another, and the columns
// of a Value graph. diagram-view.js and graph-view.js only draw these; tests/js/trace.test.mjs checks them.

import { END_GLYPH } from "./insight.js";
import { plainNumber } from "../base/format.js";

// The trace's start and end labels ("<start>", "<end>") are the one token that starts and ends a name.
export const glyph = (label) => (label === "<start>" || label === "<end>" ? END_GLYPH : label);

// The stages in boxes, in the order of model.py: the embeddings, per layer its attention and its MLP, the output.
export function stageGroups(stages) {
  const groups = [];
  const groupOf = (stage) => {
    if (stage.layer === null) return stage.name.startsWith("embed") || stage.name.endsWith("_emb") ? "embedding" : "output";
    const mlp = ["mlp_norm", "fc1", "relu", "fc2", "mlp_residual"].includes(stage.name);
    return `layer${stage.layer}.${mlp ? "mlp" : "attention"}`;
  };
  for (const stage of stages) {
    const key = groupOf(stage);
    if (groups.at(-1)?.key !== key) groups.push({ key, layer: stage.layer, title: groupTitle(key, stage.layer), stages: [] });
    groups.at(-1).stages.push(stage);
  }
  return groups;
}

function groupTitle(key, layer) {
  if (key === "embedding") return "Embeddings";
  if (key === "output") return "Output";
  return `Layer ${layer} · ${key.endsWith("mlp") ? "MLP" : "attention"}`;
}

// A stage's shape in words, with where its sizes come from: "16 (n_embd)", "4 heads × 4 (head_dim)".
export function shapeWords(stage, config) {
  const { shape, name } = stage;
  if (shape.length === 0) return "1 number";
  const size = (n) => {
    if (n === config.n_embd) return `${n} (n_embd)`;
    if (n === 4 * config.n_embd) return `${n} (4 × n_embd)`;
    if (n === config.vocab_size) return `${n} (vocab)`;
    return String(n);
  };
  if (shape.length === 1) return size(shape[0]);
  const [heads, width] = shape;
  const what = name === "scores" || name === "weights" ? `${width} position${width === 1 ? "" : "s"} so far`
    : `${width} (head_dim)`;
  return `${heads} head${heads === 1 ? "" : "s"} × ${what}`;
}

// The stage's numbers flat, and as rows (one per head, or one row).
export function rowsOf(values) {
  if (values === null || values === undefined) return [];
  if (!Array.isArray(values)) return [[values]];
  return Array.isArray(values[0]) ? values : [values];
}

// A number as text without e-notation: 4 significant digits, as many decimals as that takes (up to 8); "≈0" for
// what rounds to zero there, and a true minus sign.
export function numberText(x) {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const text = plainNumber(x, { digits: 4, maxDecimals: 8 });
  return /^-?0\.0*$/.test(text) ? "≈0" : text.replace("-", "−");
}

// The colour of each cell: -1..1 of the stage's largest magnitude (a diverging scale centred on 0).
export function cellShades(rows) {
  const most = Math.max(0, ...rows.flat().map(Math.abs));
  return rows.map((row) => row.map((x) => (most === 0 ? 0 : x / most)));
}

// The size of a gradient (its Euclidean norm), null when the stage has none.
export function gradNorm(grad) {
  if (grad === null || grad === undefined) return null;
  return Math.sqrt(rowsOf(grad).flat().reduce((sum, g) => sum + g * g, 0));
}

// How much the loss blames each stage, 0..1 on a log scale over the stages that have a gradient (the largest is 1,
// a thousand times smaller is 0): {id: share}; stages without a gradient are absent.
export function blame(stages, decades = 3) {
  const norms = stages.map((stage) => [stage.id, gradNorm(stage.grad)]).filter(([, norm]) => norm !== null);
  const most = Math.max(0, ...norms.map(([, norm]) => norm));
  return Object.fromEntries(norms.map(([id, norm]) => [id,
    most === 0 || norm === 0 ? 0 : Math.max(0, 1 + Math.log10(norm / most) / decades)]));
}

// The positions of a name: position p reads the start token (p = 0) or the name's p-th character and predicts the
// next one (the end after the last).
export function positionsOf(name) {
  const chars = [...name];
  return Array.from({ length: chars.length + 1 }, (_, p) => ({
    position: p, reads: p === 0 ? END_GLYPH : chars[p - 1], predicts: p === chars.length ? END_GLYPH : chars[p],
  }));
}

// The position kept when the name changes: the same one if the new name still has it, else its last.
export const keptPosition = (position, name) => Math.max(0, Math.min(position, [...name].length));

// Labels of a map pushed apart: points [[x, y]] in screen units, each label a circle of `radius`; returns offsets
// [[dx, dy]] such that no two labels overlap (within `iterations` rounds of pushing overlapping pairs apart by half
// their overlap each). Coincident points are parted along a fixed direction per pair, so the result is the same
// every time for the same points.
export function spreadLabels(points, radius, iterations = 60) {
  const placed = points.map(([x, y]) => [x, y]);
  const gap = 2 * radius;
  for (let round = 0; round < iterations; round++) {
    let moved = false;
    for (let i = 0; i < placed.length; i++) {
      for (let j = i + 1; j < placed.length; j++) {
        let dx = placed[j][0] - placed[i][0];
        let dy = placed[j][1] - placed[i][1];
        let distance = Math.hypot(dx, dy);
        if (distance >= gap - 1e-9) continue;
        if (distance < 1e-9) {
          const angle = ((i * 7 + j * 13) % 16) * (Math.PI / 8);
          [dx, dy, distance] = [Math.cos(angle), Math.sin(angle), 1];
        }
        const push = (gap - distance) / 2 + 1e-6;
        const [ux, uy] = [dx / distance, dy / distance];
        placed[i][0] -= ux * push;
        placed[i][1] -= uy * push;
        placed[j][0] += ux * push;
        placed[j][1] += uy * push;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return placed.map(([x, y], i) => [x - points[i][0], y - points[i][1]]);
}

// The columns of a Value graph (trace's `graph`): the neuron at the right, each node one column left of its nearest
// parent, as micrograd's draw_dot lays out left to right. Returns {columns, rows, place: [{column, row}] per node}.
export function graphLayout(graph) {
  const depth = new Array(graph.nodes.length).fill(Infinity);
  depth[0] = 0;
  const children = graph.nodes.map(() => []);
  for (const edge of graph.edges) children[edge.to].push(edge.from);
  const queue = [0];
  for (let i = 0; i < queue.length; i++) {
    for (const child of children[queue[i]]) {
      if (depth[child] === Infinity) {
        depth[child] = depth[queue[i]] + 1;
        queue.push(child);
      }
    }
  }
  const deepest = Math.max(0, ...depth.filter(Number.isFinite));
  const filled = [];
  const place = depth.map((d) => {
    const column = deepest - (Number.isFinite(d) ? d : deepest);
    filled[column] = (filled[column] ?? 0) + 1;
    return { column, row: filled[column] - 1 };
  });
  return { columns: deepest + 1, rows: Math.max(...filled.filter(Boolean)), place };
}

// The step's sentence: which document was replaced, its loss, and what the colours mean.
export function stepSentence(reply) {
  const step = reply.training_step;
  const replaced = step.replaced === null ? "" : ` in place of “${step.replaced}”`;
  return `Step ${step.event.step} trained on “${reply.name}”${replaced}: loss ${step.event.loss.toFixed(4)}. ` +
    "Each stage is shaded by how much this loss blames its output at this position (the size of its gradient); " +
    "the table lists what Adam changed in each weight matrix. The stages and the graph show the numbers this step " +
    "computed, before its update; the bars and the maps show the model after it.";
}
