// Shapes beside the code, with no DOM: the text each annotated line of the forward pass gets, from the Session's
// `shapes` reply (microgpt/shapes.py computes every number from Config). tests/js/learn.test.mjs checks the wording.

const count = (n) => n.toLocaleString("en");

// One matrix: "attn_wq 16 × 16 = 256".
export const matrixText = ({ name, rows, cols, params }) => `${name} ${rows} × ${cols} = ${count(params)}`;

// One line: "q: 16 → 4 heads × 4 · attn_wq 16 × 16 = 256 parameters".
export function shapeText({ what, shape, matrices }) {
  if (matrices.length === 0) return `${what}: ${shape}`;
  const total = matrices.reduce((sum, matrix) => sum + matrix.params, 0);
  return `${what}: ${shape} · ${matrices.map(matrixText).join(" + ")}${matrices.length > 1 ? ` = ${count(total)}` : ""}` +
    " parameters";
}

// The annotations keyed by line number (two annotations on one line are joined), for a code view to place.
export function annotationsByLine(reply) {
  const byLine = new Map();
  for (const line of reply.lines) {
    const text = shapeText(line);
    byLine.set(line.line, byLine.has(line.line) ? `${byLine.get(line.line)}; ${text}` : text);
  }
  return byLine;
}
