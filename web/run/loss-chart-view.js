// The loss chart: a small uPlot wrapper with one job, `add(events)`. It keeps every training step's loss, a smoothed
// curve, the held-out losses, and the uniform-guess baseline ln(vocab size), and redraws at most once per frame. Its
// colours are the stylesheet's --chart-* variables (base/chart-view.js draws it again in a new scheme). Values are
// readable three ways: the legend follows the pointer, the arrow keys move a cursor when the chart has focus (and say
// the values to screen readers), and a table lists the losses every 100 steps.

import { Chart, axis, chartWidth } from "../base/chart-view.js";
import { Smoother, formatLoss as format } from "../base/losses.js";

const MAX_DRAWN = 4000;       // points drawn per series; longer runs are thinned for drawing, never for the record
const TABLE_EVERY = 100;      // rows of the text alternative: steps 1, 100, 200, …, the last one
const COLOR_NAMES = ["axis", "grid", "raw", "smooth", "holdout", "baseline", "diverged"];
// Steps are whole numbers: tick spacings that are whole too, so no axis ever reads 2.5.
const STEP_TICKS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000];



export class LossChart {
  // container: where the plot goes; empty: shown while there is nothing to draw; frame: the focusable element
  // around the plot; readout: a polite live region for the values under the keyboard cursor; table: the text
  // alternative (its <details> parent is watched, the table is filled only while open).
  constructor(container, { empty = null, frame = null, readout = null, table = null } = {}) {
    this.container = container;
    this.empty = empty;
    this.readout = readout;
    this.table = table;
    this.clear(null);
    this.pendingDraw = 0;
    this.cursor = null;
    this.chart = new Chart(container, (colour) => ({ options: this.options(colour), data: this.drawable() }));
    this.chart.draw();
    new ResizeObserver(() => this.fit()).observe(container);
    if (frame) {
      frame.addEventListener("keydown", (event) => this.key(event));
      frame.addEventListener("focus", () => this.moveCursor(this.cursor ?? Infinity));
      frame.addEventListener("blur", () => this.plot.setCursor({ left: -10, top: -10 }));
    }
    table?.closest("details")?.addEventListener("toggle", () => this.fillTable());
  }

  get plot() {
    return this.chart?.plot ?? null;
  }

  // colour(name): a stylesheet colour resolved for the canvas.
  options(colour) {
    this.colors = Object.fromEntries(COLOR_NAMES.map((name) => [name, colour(`--chart-${name}`)]));
    const { colors } = this;
    const axes = axis(colour, "--chart-axis", "--chart-grid");
    const loss = (u, value) => format(value);
    return {
      width: this.width(),
      height: this.height(),
      scales: { x: { time: false } },
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      axes: [
        { ...axes, label: "step", size: 36, incrs: STEP_TICKS, values: (u, ticks) => this.stepLabels(ticks) },
        { ...axes, label: "loss", size: 44 },
      ],
      series: [
        { label: "step", value: (u, value) => (value === null ? "–" : String(value)) },
        { label: "training loss", stroke: colors.raw, width: 1, points: { show: false }, value: loss },
        { label: "smoothed", stroke: colors.smooth, width: 2.25, points: { show: false }, value: loss },
        { label: "held-out loss", stroke: colors.holdout, width: 2, spanGaps: true, value: loss,
          points: { show: true, size: 6, fill: colors.holdout } },
        { label: "uniform guess ln(V)", stroke: colors.baseline, width: 1.5, dash: [6, 4], points: { show: false },
          value: loss },
        { label: "diverged", stroke: colors.diverged, width: 0, value: loss,
          points: { show: true, size: 11, fill: colors.diverged } },
      ],
    };
  }

  // The step axis's labels, kept for the tests (which check that no tick falls between two steps).
  stepLabels(ticks) {
    this.stepTicks = ticks;
    return ticks.map(String);
  }

  width() {
    return chartWidth(this.container);
  }

  // The stylesheet may set --chart-height (the embed widget does, to fit a blog column); else by width.
  height() {
    const styled = parseFloat(getComputedStyle(this.container).getPropertyValue("--chart-height"));
    return styled || (this.width() < 480 ? 220 : 300);
  }

  fit() {
    const width = this.width();
    if (width !== this.plot.width || this.height() !== this.plot.height) {
      this.plot.setSize({ width, height: this.height() });
    }
  }

  // Start over for a new run; baseline is ln(vocab size), or null before the data is known.
  clear(baseline) {
    this.baseline = baseline;
    this.steps = [];
    this.raw = [];
    this.smooth = [];
    this.holdout = [];
    this.smoother = new Smoother();
    this.diverged = null;     // {step, loss}: where the run blew up, drawn as one marked point
  }

  // The step that diverged was not taken, so it is not a training loss: it is marked at its loss (or, when that was
  // not even finite, at the top of the curve), after the last step that was.
  markDivergence({ step, loss }) {
    const top = Math.max(this.baseline ?? 0, ...this.raw);
    this.diverged = { step, loss: Number.isFinite(loss) ? loss : top };
    this.draw();
  }

  reset(vocabSize) {
    this.clear(vocabSize ? Math.log(vocabSize) : null);
    this.cursor = null;
    this.draw();
  }

  // events: [{step, loss, holdout_loss?}] from one training chunk, in order.
  add(events) {
    for (const { step, loss, holdout_loss: holdout } of events) {
      this.steps.push(step);
      this.raw.push(loss);
      this.smooth.push(this.smoother.add(loss));
      this.holdout.push(holdout ?? null);
    }
    if (!this.pendingDraw) this.pendingDraw = requestAnimationFrame(() => { this.pendingDraw = 0; this.draw(); });
  }

  latest() {
    const last = this.steps.length - 1;
    const heldOut = this.holdout.findLast((value) => value !== null);
    return { step: this.steps[last], smooth: this.smooth[last], holdout: heldOut ?? null };
  }

  // What the page's read-only window (window.__microgpt) shows of the chart.
  summary() {
    return { points: this.steps.length, drawn: this.plot.data[0].length, smoothed: [...this.smooth],
      baseline: this.baseline, diverged: this.diverged, stepTicks: this.stepTicks ?? [] };
  }

  drawable() {
    const count = this.steps.length;
    const stride = Math.ceil(count / MAX_DRAWN) || 1;
    const keep = [];
    for (let i = 0; i < count; i++) {
      if (i % stride === 0 || i === count - 1 || this.holdout[i] !== null) keep.push(i);
    }
    const pick = (values) => keep.map((i) => values[i]);
    const data = [pick(this.steps), pick(this.raw), pick(this.smooth), pick(this.holdout),
      keep.map(() => this.baseline), keep.map(() => null)];
    if (this.diverged) {
      const extra = [this.diverged.step, null, null, null, this.baseline, this.diverged.loss];
      data.forEach((series, i) => series.push(extra[i]));
    }
    return data;
  }

  draw() {
    this.plot?.setData(this.drawable());
    this.empty?.toggleAttribute("hidden", this.steps.length > 0);
    this.fillTable();
  }

  // Arrow keys step through the drawn points, Page Up/Down by a tenth, Home/End to either end.
  key(event) {
    const count = this.plot.data[0].length;
    if (count === 0) return;
    const at = this.cursor ?? count - 1;
    const jump = Math.max(1, Math.round(count / 10));
    const moves = { ArrowLeft: at - 1, ArrowRight: at + 1, PageDown: at - jump, PageUp: at + jump, Home: 0,
      End: count - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    this.moveCursor(moves[event.key]);
  }

  moveCursor(index) {
    const [steps, raw, smooth, holdout] = this.plot.data;
    if (steps.length === 0) return;
    this.cursor = Math.min(steps.length - 1, Math.max(0, index));
    const i = this.cursor;
    this.plot.setCursor({ left: this.plot.valToPos(steps[i], "x"), top: this.plot.valToPos(smooth[i], "y") });
    if (this.readout) {
      const heldOut = holdout[i] === null ? "" : `, held-out ${format(holdout[i])}`;
      this.readout.textContent = `Step ${steps[i]}: loss ${format(raw[i])}, smoothed ${format(smooth[i])}${heldOut}`;
    }
  }

  // The text alternative: one row per TABLE_EVERY steps (and the first and last), only while it is open.
  fillTable() {
    if (!this.table || !this.table.closest("details")?.open) return;
    const rows = [];
    for (let i = 0; i < this.steps.length; i++) {
      const step = this.steps[i];
      if (step !== 1 && step % TABLE_EVERY !== 0 && i !== this.steps.length - 1) continue;
      const row = document.createElement("tr");
      const head = document.createElement("th");
      head.scope = "row";
      head.textContent = String(step);
      row.append(head);
      for (const value of [this.raw[i], this.smooth[i], this.holdout[i]]) {
        const cell = document.createElement("td");
        cell.textContent = format(value);
        row.append(cell);
      }
      rows.push(row);
    }
    this.table.tBodies[0].replaceChildren(...rows);
  }
}
