// One training step under the microscope, with no DOM: the rows the page shows for the Session's `step_once` reply
// (per position: the token seen, the right next token, the probability the model gave it, its loss term) and the
// matrices the step changed most. Python computed every number; this only names tokens and orders what is shown.

import { END_GLYPH } from "../insight/insight.js";     // the end token's one glyph on the page

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

// A matrix's name as the page says it: layers counted from 1, as every view numbers them ("layer0.attn_wq" is
// "layer 1 attn_wq"); the others (wte, wpe, lm_head) as Python names them.
export const matrixName = (name) => name.replace(/^layer(\d+)\./, (_, layer) => `layer ${Number(layer) + 1} `);

// A number in plain decimals, never e-notation, to two significant digits: 0.0032, 0.41, 12.
export function plainNumber(value) {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const decimals = Math.min(20, Math.max(0, 1 - Math.floor(Math.log10(Math.abs(value)))));
  // Intl, not toFixed: toFixed turns to e-notation from 1e21 up.
  return new Intl.NumberFormat("en", { minimumFractionDigits: decimals, maximumFractionDigits: decimals,
    useGrouping: false }).format(value);
}
