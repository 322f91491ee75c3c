// The loss chart: a small uPlot wrapper with one job, `add(events)`. It keeps every training step's loss, a smoothed
// curve, the held-out losses, and the uniform-guess baseline ln(vocab size), and redraws at most once per frame.

import uPlot from "./vendor/uPlot.esm.js";

const SMOOTHING = 0.97;       // EMA weight: single-document losses are noisy, the trend is what matters
const MAX_DRAWN = 4000;       // points drawn per series; longer runs are thinned for drawing, never for the record

const COLORS = { raw: "rgba(99, 132, 196, 0.35)", smooth: "#1f4fbf", holdout: "#d9480f", baseline: "#868e96",
  diverged: "#c92a2a" };

export class LossChart {
  // empty: an element shown while there is nothing to draw.
  constructor(container, empty) {
    this.container = container;
    this.empty = empty;
    this.clear(null);
    this.plot = new uPlot(this.options(), this.drawable(), container);
    this.frame = 0;
    new ResizeObserver(() => this.fit()).observe(container);
  }

  options() {
    return {
      width: this.width(),
      height: this.height(),
      scales: { x: { time: false } },
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      axes: [
        { label: "step", labelSize: 18, size: 36, stroke: "#495057", grid: { stroke: "#eef0f3" } },
        { label: "loss", labelSize: 18, size: 44, stroke: "#495057", grid: { stroke: "#eef0f3" } },
      ],
      series: [
        { label: "step" },
        { label: "training loss", stroke: COLORS.raw, width: 1, points: { show: false } },
        { label: "smoothed", stroke: COLORS.smooth, width: 2.25, points: { show: false } },
        { label: "held-out loss", stroke: COLORS.holdout, width: 2, spanGaps: true,
          points: { show: true, size: 6, fill: COLORS.holdout } },
        { label: "uniform guess ln(V)", stroke: COLORS.baseline, width: 1.5, dash: [6, 4], points: { show: false } },
        { label: "diverged", stroke: COLORS.diverged, width: 0,
          points: { show: true, size: 11, fill: COLORS.diverged } },
      ],
    };
  }

  // Rounded down: clientWidth rounds to nearest, and half a pixel too wide makes a phone scroll sideways.
  width() {
    return Math.max(200, Math.floor(this.container.getBoundingClientRect().width));
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
    this.ema = 0;
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
    this.draw();
  }

  // events: [{step, loss, holdout_loss?}] from one training chunk, in order.
  add(events) {
    for (const { step, loss, holdout_loss: holdout } of events) {
      this.ema = SMOOTHING * this.ema + (1 - SMOOTHING) * loss;
      this.steps.push(step);
      this.raw.push(loss);
      this.smooth.push(this.ema / (1 - SMOOTHING ** this.steps.length));  // debiased, so early points are not pulled to 0
      this.holdout.push(holdout ?? null);
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  latest() {
    const last = this.steps.length - 1;
    const heldOut = this.holdout.findLast((value) => value !== null);
    return { step: this.steps[last], smooth: this.smooth[last], holdout: heldOut ?? null };
  }

  // What the page's read-only window (window.__microgpt) shows of the chart.
  summary() {
    return { points: this.steps.length, drawn: this.plot.data[0].length, smoothed: [...this.smooth],
      baseline: this.baseline, diverged: this.diverged };
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
  }
}
