// Every uPlot chart on the page is made here, in the colours of the scheme on screen. The stylesheet writes each
// colour as a variable with light-dark(), which only CSS resolves: a variable read with getPropertyValue is that
// unresolved text, which a canvas ignores (its lines would be faint or invisible). So a variable is resolved by giving
// it to a hidden element's `color`. uPlot draws its legend markers once, so a chart is made again when the scheme
// changes, from the system (prefers-color-scheme) or from the page's theme setting (data-theme on <html>).

import uPlot from "../vendor/uPlot.esm.js";

// name: a custom property, e.g. "--chart-grid". Returns a colour a canvas takes ("rgb(…)").
function colour(name) {
  const probe = document.createElement("span");
  probe.hidden = true;
  document.body.append(probe);
  probe.style.color = `var(${name})`;
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  return resolved;
}

// Rounded down: clientWidth rounds to nearest, and half a pixel too wide makes a phone scroll sideways.
export const chartWidth = (box) => Math.max(200, Math.floor(box.getBoundingClientRect().width));

// An axis drawn in two stylesheet colours: its text and ticks' line (`stroke`), its grid (`grid`).
export const axis = (colourOf, stroke, grid) =>
  ({ labelSize: 18, stroke: colourOf(stroke), grid: { stroke: colourOf(grid) }, ticks: { stroke: colourOf(grid) } });

export class Chart {
  // box: the element the plot goes in. make(colour): uPlot's {options, data}, or null when there is nothing to draw;
  // colour(name) resolves a stylesheet variable. draw() makes the plot from what make() says now.
  constructor(box, make) {
    this.box = box;
    this.make = make;
    this.plot = null;
    const redraw = () => { if (this.plot) this.draw(); };
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redraw);
    new MutationObserver(redraw).observe(document.documentElement, { attributeFilter: ["data-theme"] });
  }

  draw() {
    const made = this.make(colour);
    this.plot?.destroy();
    this.plot = made ? new uPlot(made.options, made.data, this.box) : null;
    return this.plot;
  }
}

// A uPlot draw hook's marks for curves that leave the top of the axis (base/off-axis.js): a ▲ on the top edge at each
// mark's peak step, in its curve's colour, and the highest one's value beside it on a halo of the card's colour
// (`halo`), so no line crosses it. colourOf(label): a mark's colour.
export function drawOffAxis(u, marks, colourOf, halo) {
  if (!marks.length) return;
  const { ctx } = u;
  const ratio = devicePixelRatio || 1;
  const size = 5 * ratio;
  const top = u.bbox.top;
  const highest = marks.reduce((best, mark) => (mark.value > best.value ? mark : best));
  ctx.save();
  for (const mark of marks) {
    const x = u.valToPos(mark.step, "x", true);
    if (!Number.isFinite(x)) continue;
    ctx.fillStyle = colourOf(mark.label);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x - size, top + 1.7 * size);
    ctx.lineTo(x + size, top + 1.7 * size);
    ctx.closePath();
    ctx.fill();
    if (mark === highest) {
      ctx.font = `${12 * ratio}px system-ui, sans-serif`;
      ctx.textBaseline = "top";
      const text = `▲ ${mark.value.toFixed(1)}`;
      const width = ctx.measureText(text).width;
      const left = Math.min(x + 1.6 * size, u.bbox.left + u.bbox.width - width);
      ctx.lineJoin = "round";
      ctx.lineWidth = 4 * ratio;
      ctx.strokeStyle = halo;
      ctx.strokeText(text, left, top + 2 * size);
      ctx.fillText(text, left, top + 2 * size);
    }
  }
  ctx.restore();
}
