// Where a curve leaves the top of a chart, with no DOM. A loss chart keeps its y axis where the learning happens (a
// spike to 100 would flatten every other curve into a line), so a value above the top is never clipped silently: each
// stretch of a curve above it becomes one mark at its peak, drawn as a ▲ on the top edge (base/chart-view.js) and said
// in the chart's caption.

// The top of a loss chart: the highest value shown, but at most CAP_FACTOR times the uniform guess ln(V), the loss an
// untrained model starts at (a healthy run's single-document losses stay below 1.5 ln V; one whose steps are too big
// jumps far above it).
export const CAP_FACTOR = 1.5;

export function axisTop(values, baseline) {
  let highest = -Infinity;
  for (const value of values) if (value !== null && Number.isFinite(value) && value > highest) highest = value;
  if (!Number.isFinite(baseline)) return Number.isFinite(highest) ? highest : null;
  return Math.min(Math.max(highest, baseline), CAP_FACTOR * baseline);
}

// steps and values: one curve (null where it has no value). Each stretch above `top` is {from, to, step, value}: its
// first and last step and its peak. Stretches closer than `gap` steps are one, so noise does not draw a comb of marks.
export function excursions(steps, values, top, gap = 1) {
  const found = [];
  let current = null;
  steps.forEach((step, i) => {
    const value = values[i];
    if (value === null || value === undefined || !(value > top)) return;
    if (current && step - current.to <= gap) {
      current.to = step;
      if (value > current.value) Object.assign(current, { step, value });
    } else {
      current = { from: step, to: step, step, value };
      found.push(current);
    }
  });
  return found;
}

// The marks of several curves ({label, steps, values}) over one chart's top: [{label, from, to, step, value}], the
// merge gap a fiftieth of the steps shown.
export function offAxisMarks(curves, top) {
  if (top === null || !Number.isFinite(top)) return [];
  const all = curves.flatMap(({ steps }) => steps);
  const span = all.length ? Math.max(...all) - Math.min(...all) : 0;
  const gap = Math.max(1, Math.round(span / 50));
  return curves.flatMap(({ label, steps, values }) =>
    excursions(steps, values, top, gap).map((mark) => ({ label, ...mark })));
}

// The caption's sentence for the marks, e.g. "▲ marks a curve above the top of the axis (4.944): training loss up to
// 11.751 at step 34." — or "" when every value fits.
export function offAxisText(marks, top, format) {
  if (marks.length === 0) return "";
  const peaks = new Map();
  for (const mark of marks) {
    const known = peaks.get(mark.label);
    if (!known || mark.value > known.value) peaks.set(mark.label, mark);
  }
  const parts = [...peaks.values()].map(({ label, value, step }) => `${label} up to ${format(value)} at step ${step}`);
  return `▲ marks where a curve leaves the top of the axis (${format(top)}): ${parts.join("; ")}.`;
}
