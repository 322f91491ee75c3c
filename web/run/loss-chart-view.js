// The loss chart: a small uPlot wrapper with one job, `add(events)`. It keeps every training step's loss, a smoothed
// curve, the held-out losses, and the uniform-guess baseline ln(vocab size), and redraws at most once per frame. The
// run before stays on it as a faint ghost (`setGhost`, run/ghost.js). Its y axis stops at base/off-axis.js's top: a
// curve above it is marked ▲ on the top edge and said in the caption (`note`), never clipped silently. Its
// colours are the stylesheet's --chart-* variables (base/chart-view.js draws it again in a new scheme). Values are
// readable three ways: the legend follows the pointer, the arrow keys move a cursor when the chart has focus (and say
// the values to screen readers), and a table lists the losses every 100 steps.

import { Chart, axis, chartWidth, drawOffAxis } from "../base/chart-view.js";
import { Smoother, formatLoss as format } from "../base/losses.js";
import { axisTop, offAxisMarks, offAxisText } from "../base/off-axis.js";

const MAX_DRAWN = 4000;       // points drawn per series; longer runs are thinned for drawing, never for the record
const TABLE_EVERY = 100;      // rows of the text alternative: steps 1, 100, 200, …, the last one
const COLOR_NAMES = ["axis", "grid", "raw", "smooth", "holdout", "baseline", "diverged", "ghost"];
// Steps are whole numbers: tick spacings that are whole too, so no axis ever reads 2.5.
const STEP_TICKS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000];



export class LossChart {
  // container: where the plot goes; empty: shown while there is nothing to draw; frame: the focusable element
  // around the plot; readout: a polite live region for the values under the keyboard cursor; table: the text
  // alternative (its <details> parent is watched, the table is filled only while open); note: where the caption says
  // which curves leave the top of the axis.
  constructor(container, { empty = null, frame = null, readout = null, table = null, note = null } = {}) {
    this.container = container;
    this.empty = empty;
    this.readout = readout;
    this.table = table;
    this.note = note;
    this.ghost = null;        // {label, steps, smoothed}: the run before, drawn faint
    container.classList.add("no-ghost");
    this.marks = [];
    this.top = null;
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
    const halo = colour("--card");
    return {
      width: this.width(),
      height: this.height(),
      scales: { x: { time: false }, y: { range: (u, low, high) => this.yRange(low, high) } },
      hooks: { draw: [(u) => drawOffAxis(u, this.marks, (label) => this.markColour(label), halo)] },
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
        { label: this.ghost?.label ?? "previous run", show: this.ghost !== null, stroke: colors.ghost, width: 2,
          dash: [8, 5], spanGaps: true, points: { show: false }, value: loss },
      ],
    };
  }

  // The y axis: uPlot's low end, and a top that leaves no curve clipped silently (base/off-axis.js). Before any
  // curve, the losses a run starts near: 0 to above ln(vocabulary size), not uPlot's 0 to 0.05 of no data.
  yRange(low, high) {
    if (this.top === null && low === null) return [0, Math.ceil((this.baseline ?? 3) + 0.5)];
    const top = this.top ?? high;
    const bottom = Math.min(low ?? top, top);
    const pad = Math.max(0.05, 0.05 * (top - bottom));
    return [Math.max(0, bottom - pad), top + pad];
  }

  markColour(label) {
    const { colors } = this;
    return { "training loss": colors.smooth, smoothed: colors.smooth, "held-out loss": colors.holdout,
      diverged: colors.diverged }[label] ?? colors.ghost;
  }

  // The run before, or null: {label, steps, smoothed} (run/ghost.js). Its label is the legend's, so the chart is
  // made again when the label changes; a ghost that grows (Train both's, run/both-control.js) is only redrawn.
  setGhost(ghost) {
    const same = ghost !== null && this.ghost !== null && ghost.label === this.ghost.label;
    this.ghost = ghost;
    if (same) return this.draw();
    this.container.classList.toggle("no-ghost", ghost === null);
    this.chart.draw();
    this.draw();
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
      baseline: this.baseline, diverged: this.diverged, stepTicks: this.stepTicks ?? [],
      ghost: this.ghost ? { label: this.ghost.label, points: this.ghost.steps.length,
        drawn: this.plot.data[6].filter((value) => value !== null).length, shown: this.plot.series[6].show } : null,
      top: this.top, marks: this.marks.map((mark) => ({ ...mark })) };
  }

  // uPlot's data: one x for the run's drawn steps and the ghost's, each series null where it has no such step.
  drawable() {
    this.measure();
    const rows = new Map();       // step -> the values drawn there
    const row = (step) => {
      if (!rows.has(step)) rows.set(step, [step, null, null, null, this.baseline, null, null]);
      return rows.get(step);
    };
    const count = this.steps.length;
    const stride = Math.ceil(count / MAX_DRAWN) || 1;
    for (let i = 0; i < count; i++) {
      if (i % stride !== 0 && i !== count - 1 && this.holdout[i] === null) continue;
      const values = row(this.steps[i]);
      [values[1], values[2], values[3]] = [this.raw[i], this.smooth[i], this.holdout[i]];
    }
    if (this.ghost) {
      const { steps, smoothed } = this.ghost;
      const every = Math.ceil(steps.length / MAX_DRAWN) || 1;
      steps.forEach((step, i) => { if (i % every === 0 || i === steps.length - 1) row(step)[6] = smoothed[i]; });
    }
    if (this.diverged) row(this.diverged.step)[5] = Math.min(this.diverged.loss, this.top ?? Infinity);
    const sorted = [...rows.values()].sort((a, b) => a[0] - b[0]);
    return Array.from({ length: 7 }, (_, i) => sorted.map((values) => values[i]));
  }

  // The axis's top and the marks of whatever goes above it (base/off-axis.js), from every value, not only those drawn.
  measure() {
    const curves = [{ label: "training loss", steps: this.steps, values: this.raw },
      { label: "smoothed", steps: this.steps, values: this.smooth },
      { label: "held-out loss", steps: this.steps, values: this.holdout }];
    if (this.diverged) curves.push({ label: "diverged", steps: [this.diverged.step], values: [this.diverged.loss] });
    if (this.ghost) curves.push({ label: this.ghost.label, steps: this.ghost.steps, values: this.ghost.smoothed });
    const shown = this.steps.length > 0 || this.ghost !== null;
    this.top = shown ? axisTop(curves.flatMap(({ values }) => values), this.baseline) : null;
    this.marks = offAxisMarks(curves, this.top);
    if (this.note) {
      this.note.textContent = offAxisText(this.marks, this.top, format);
      this.note.hidden = this.marks.length === 0;
    }
  }

  draw() {
    this.plot?.setData(this.drawable());
    this.empty?.toggleAttribute("hidden", this.steps.length > 0 || this.ghost !== null);
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
    const [steps, raw, smooth, holdout, , , ghost] = this.plot.data;
    if (steps.length === 0) return;
    this.cursor = Math.min(steps.length - 1, Math.max(0, index));
    const i = this.cursor;
    const y = smooth[i] ?? ghost[i] ?? this.baseline ?? 0;
    this.plot.setCursor({ left: this.plot.valToPos(steps[i], "x"), top: this.plot.valToPos(y, "y") });
    if (this.readout) {
      const heldOut = holdout[i] === null ? "" : `, held-out ${format(holdout[i])}`;
      const before = ghost[i] === null ? "" : `, previous run ${format(ghost[i])}`;
      this.readout.textContent =
        `Step ${steps[i]}: loss ${format(raw[i])}, smoothed ${format(smooth[i])}${heldOut}${before}`;
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
