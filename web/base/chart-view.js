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
