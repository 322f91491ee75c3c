// One training step under the microscope, with no DOM: the rows the page shows for the Session's `step_once` reply
// (per position: the token seen, the right next token, the probability the model gave it, its loss term) and the
// matrices the step changed most. Python computed every number; this only names tokens and orders what is shown.

import { END_GLYPH } from "../insight/insight.js";     // the end token's one glyph on the page
import { matrixName } from "../base/format.js";

export const TOP_MATRICES = 5;

// A token id as text: its character, or the end glyph for BOS.
export const tokenText = (id, vocab, bos) => (id === bos ? END_GLYPH : vocab[id]);

export function positionRows({ positions, vocab, bos }) {
  return positions.map(({ pos, token, target, p, loss }) => ({
    pos, from: tokenText(token, vocab, bos), to: tokenText(target, vocab, bos), p, loss,
  }));
}

// "mean of 6 loss terms = 2.3456 (the step's loss)": the step's loss is the event's, which Python checked is that mean.
export function lossSummary({ positions, event }) {
  return `mean of ${positions.length} loss term${positions.length === 1 ? "" : "s"} = ${event.loss.toFixed(4)}, ` +
    `the loss of step ${event.step}`;
}

// The matrices the step changed most (Python sorted them, largest update first), with the change relative to the
// matrix's own size; `share`: the update as a share of the largest, for its bar.
export function topUpdates({ updates }, limit = TOP_MATRICES) {
  const top = updates.slice(0, limit);
  const largest = Math.max(0, ...top.map(({ update_norm: update }) => update));
  return top.map(({ name, update_norm: update, weight_norm: weight, grad_norm: grad }) => ({
    name, update, grad, relative: weight > 0 ? update / weight : null, share: largest > 0 ? update / largest : 0,
  }));
}

// A matrix's Python name as the page says it (base/format.js): "layer0.attn_wq" is "layer 1 attn_wq".
export function pageMatrixName(name) {
  const match = /^layer(\d+)\.(.+)$/.exec(name);
  return match ? matrixName(Number(match[1]) + 1, match[2]) : name;
}
