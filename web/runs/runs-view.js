// The run list and the compare chart. Each kept run is one item: its name (what changed since the run before),
// final training and held-out loss, duration, steps, samples and the exact CLI command with a Copy button, plus
// "Vary this run" and Delete. Ticked runs overlay their smoothed loss curves on one uPlot chart with a shared fixed
// y-axis, the ln(vocabulary) baseline, one colour and dash per run, and a legend naming what differs; hovering a step
// lists every run's loss there. What the runs are and how they differ comes from runs.js; this file only draws.

import { finalFigures, formatDuration, legendLabels, overlayData, runNames, runStyle, smoothCurve, verdicts }
  from "./runs.js";
import { Chart, axis, chartWidth, drawOffAxis } from "../base/chart-view.js";
import { HELD_OUT_LOSS, SMOOTHED_LOSS, capitalised, formatLoss as loss } from "../base/losses.js";
import { offAxisMarks, offAxisText } from "../base/off-axis.js";

const $ = (id) => document.getElementById(id);

export class RunListView {
  // onVary(run), onDelete(run): the page decides what those do.
  constructor({ onVary, onDelete }) {
    this.onVary = onVary;
    this.onDelete = onDelete;
    this.list = $("run-list");
    this.chartBox = $("compare-chart");
    this.selected = new Set();
    this.marks = [];          // where the compare chart's curves leave its fixed top (base/off-axis.js)
    this.runs = [];
    this.chart = new Chart(this.chartBox, (colour) => this.chartOf(this.chosen(), colour));
    new ResizeObserver(() => this.fit()).observe(this.chartBox);
  }

  // runs: the kept records, oldest first. A run not seen before is ticked, so a new run shows up on the chart.
  show(runs) {
    const known = new Set(this.runs.map((run) => run.id));
    for (const run of runs) if (!known.has(run.id)) this.selected.add(run.id);
    for (const id of this.selected) if (!runs.some((run) => run.id === id)) this.selected.delete(id);
    this.runs = runs;
    const names = runNames(runs);
    this.list.replaceChildren(...runs.map((run, i) => this.item(run, names[i])).reverse());
    $("runs-empty").hidden = runs.length > 0;
    $("compare").hidden = runs.length === 0;
    this.draw();
  }

  item(run, name) {
    const item = document.createElement("li");
    item.className = "run";
    item.dataset.run = String(run.id);
    const { colour, dash } = runStyle(run.id);

    const head = document.createElement("label");
    head.className = "run-head";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = this.selected.has(run.id);
    box.addEventListener("change", () => {
      if (box.checked) this.selected.add(run.id);
      else this.selected.delete(run.id);
      this.draw();
    });
    const swatch = document.createElement("span");
    swatch.className = `run-swatch dash-${dash.length ? dash[0] : 0}`;
    swatch.style.setProperty("--swatch", `var(--run-${colour})`);
    swatch.setAttribute("aria-hidden", "true");
    const title = document.createElement("span");
    title.className = "run-name";
    title.textContent = `#${run.id} ${name}`;
    head.append(box, swatch, title);
    if (run.diverged) head.append(badge("diverged"));

    const facts = document.createElement("dl");
    facts.className = "run-facts";
    const steps = run.curve.length ? run.curve[run.curve.length - 1][0] : 0;
    const final = finalFigures(run);
    for (const [term, value] of [[capitalised(SMOOTHED_LOSS), loss(final.smoothed)], [capitalised(HELD_OUT_LOSS), loss(final.holdout)],
      ["Steps", `${steps.toLocaleString("en")} / ${run.config.num_steps.toLocaleString("en")}`],
      ["Time", formatDuration(run.duration_s)], ["Data", run.data.description]]) {
      const pair = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      pair.append(dt, dd);
      facts.append(pair);
    }

    const samples = document.createElement("p");
    samples.className = "run-samples";
    samples.textContent = run.samples.length ? run.samples.map((text) => text || "(empty)").join(" · ") : "no samples";

    item.append(head, facts, samples);
    if (run.edited) item.append(noCommand());
    else if (run.command) item.append(commandLine(run.command));
    const actions = document.createElement("div");
    actions.className = "toolbar";
    // An accessible name that begins with the visible text, so that speech control finds the button by what it says.
    actions.append(button("Vary this run", () => this.onVary(run),
      `Vary this run: load the settings of run #${run.id} into the form`),
      button("Delete", () => this.onDelete(run), `Delete run #${run.id}`));
    item.append(actions);
    return item;
  }

  chosen() {
    return this.runs.filter((run) => this.selected.has(run.id));
  }

  // A fixed y-axis shared by all kept runs (so ticking one does not rescale the others): from just below the lowest
  // smoothed loss of any kept run to just above the highest baseline.
  range() {
    const baselines = this.runs.map((run) => Math.log(run.vocab_size ?? 27));
    const lows = this.runs.map((run) => Math.min(...smoothCurve(run.curve.filter(([, value]) => Number.isFinite(value)))));
    return [Math.max(0, Math.floor(2 * Math.min(...lows, ...baselines) - 0.2) / 2), Math.max(...baselines) + 0.4];
  }

  draw() {
    const runs = this.chosen();
    $("compare-empty").hidden = runs.length > 0;
    this.chart.draw();
    $("compare-verdicts").replaceChildren(...verdicts(runs).map((line) => {
      const item = document.createElement("li");
      item.textContent = line;
      return item;
    }));
    if (runs.length === 0) return;
    const labels = legendLabels(runs);
    this.chartBox.setAttribute("aria-label", `Smoothed training loss of ${runs.length} runs: ` +
      runs.map((run, i) => `${labels[i]} ends at ${loss(finalFigures(run).smoothed)}`).join("; "));
  }

  // The overlay of these runs for uPlot ({options, data}), or null when none is ticked.
  chartOf(runs, colour) {
    if (runs.length === 0) {
      this.marks = [];
      $("compare-offaxis").hidden = true;
      return null;
    }
    const labels = legendLabels(runs);
    const baselines = [...new Set(runs.map((run) => run.vocab_size ?? 27))];
    const [steps, ...curves] = overlayData(runs);
    const data = [steps, ...curves, ...baselines.map((size) => steps.map(() => Math.log(size)))];
    const [low, high] = this.range();
    // The axis is fixed, so a curve above its top is marked ▲ there and said in the caption, never clipped silently.
    const marks = offAxisMarks(runs.map((run, i) => ({ label: labels[i], steps, values: curves[i] })), high);
    const halo = colour("--card");
    const colours = new Map(runs.map((run, i) => [labels[i], colour(`--run-${runStyle(run.id).colour}`)]));
    this.marks = marks;
    $("compare-offaxis").textContent = offAxisText(marks, high, loss);
    $("compare-offaxis").hidden = marks.length === 0;
    const axes = axis(colour, "--muted", "--line");
    const options = {
      width: this.width(), height: this.width() < 480 ? 220 : 280,
      scales: { x: { time: false }, y: { auto: false, range: [low, high] } },
      hooks: { draw: [(u) => drawOffAxis(u, marks, (label) => colours.get(label), halo)] },
      cursor: { drag: { x: false, y: false } },
      axes: [{ ...axes, label: "step", size: 36 }, { ...axes, label: SMOOTHED_LOSS, size: 44 }],
      series: [
        { label: "step" },
        ...runs.map((run, i) => {
          const style = runStyle(run.id);
          return { label: labels[i], stroke: colour(`--run-${style.colour}`), dash: style.dash, width: 2, spanGaps: true,
            points: { show: false }, value: (_, value) => loss(value) };
        }),
        ...baselines.map((size) => ({ label: `uniform guess ln(${size})`, stroke: colour("--muted"), width: 1.25,
          dash: [6, 4], points: { show: false }, value: (_, value) => loss(value) })),
      ],
    };
    return { options, data };
  }

  width() {
    return chartWidth(this.chartBox);
  }

  fit() {
    const { plot } = this.chart;
    if (plot && plot.width !== this.width()) {
      plot.setSize({ width: this.width(), height: this.width() < 480 ? 220 : 280 });
    }
  }
}

function badge(text) {
  const element = document.createElement("span");
  element.className = "badge";
  element.textContent = text;
  return element;
}

function button(text, onClick, label) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  element.setAttribute("aria-label", label);
  element.addEventListener("click", onClick);
  return element;
}

// Where a run of edited code would have its command: the CLI trains the package's model.py, so no command gives this
// run's numbers.
function noCommand() {
  const note = document.createElement("p");
  note.className = "run-command no-command";
  note.textContent = "The command line cannot reproduce this run: it trained your edited model.py, which only this " +
    "page has (Download edited saves it).";
  return note;
}

// The command that reproduces the run in a terminal, selectable, with a Copy button that says whether it worked.
function commandLine(command) {
  const box = document.createElement("div");
  box.className = "run-command";
  const code = document.createElement("code");
  // A line break may fall between two flags, never inside one ("--learning-rate 0.03" stays whole).
  command.split(/ (?=--)/).forEach((part, i) => {
    const piece = document.createElement("span");
    piece.textContent = part;
    code.append(...(i ? [" ", piece] : [piece]));
  });
  const copy = button("Copy", async () => {
    try {
      await navigator.clipboard.writeText(command);
      copy.textContent = "Copied";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      copy.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => { copy.textContent = "Copy"; }, 2000);
  }, "Copy the command that reproduces this run");
  box.append(code, copy);
  return box;
}
