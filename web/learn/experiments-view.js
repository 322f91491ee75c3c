// The Experiments card: pick a ready experiment (experiments.js decides what it is), predict what will change (or
// skip), run it, and see the measured outcome marked against the prediction and the stated expectation, which is
// revealed only then; both arms side by side: their loss curves overlaid, their samples in columns.
// Python trains, samples and measures (final losses, mean sample length, share of samples in the training data);
// this module only sends the requests and draws the replies. An arm already run with the same settings is reused.

import { EXPERIMENTS, SKIP, arms, findExperiment, outcome, question, sameTraining, trainingKey, trainings, verdict }
  from "./experiments.js";
import { makeRecord, overlayData } from "../runs/runs.js";
import { on } from "../base/events.js";
import { Chart, axis, chartWidth } from "../base/chart-view.js";
import { finalLosses } from "../base/losses.js";

const $ = (id) => document.getElementById(id);
const TRAIN_SILENCE_MS = 120_000;
const DASHES = [[], [7, 4], [2, 3]];       // with colour, so that arms differ by more than colour

const armKey = (arm) => `${trainingKey(arm)}|${JSON.stringify(arm.sampling)}`;
const CHOOSE_FIRST = "Choose your prediction above (or skip it) to run the experiment.";

export class ExperimentView {
  // hooks: {exclusive(task): runs task with the Session to itself, wake(): loads Python if it is not loaded,
  //   link(name): the page's link now names this experiment}.
  constructor(hooks) {
    this.hooks = hooks;
    this.request = null;
    this.results = new Map();      // armKey -> {events, samples, mean_length, in_training, diverged, shared}
    this.running = false;
    this.predictions = new Map();  // experiment name -> the learner's answer (or SKIP), fixed when it ran
    this.curves = [];
    this.chart = new Chart($("experiment-chart"), (colour) => this.chartOf(this.curves, colour));
    this.select = $("experiment-select");
    this.select.replaceChildren(...EXPERIMENTS.map((experiment) => {
      const option = document.createElement("option");
      option.value = experiment.name;
      option.textContent = experiment.title;
      return option;
    }));
    this.select.addEventListener("change", () => this.open(this.select.value, { link: true }));
    $("experiment-run").addEventListener("click", () => this.run());
    $("experiment-choices").addEventListener("change", () => this.refresh());
    on("ready", ({ request }) => { this.request = request; this.refresh(); });
    on("lost", () => { this.request = null; this.refresh(); });
    this.open(EXPERIMENTS[0].name);
  }

  // Show an experiment (from the list or a link): its expectation, and its results if it has run. An embed that names
  // an experiment shows only it; a link to one on the full page scrolls to it.
  open(name, { link = false, embed = false, scroll = false } = {}) {
    const experiment = findExperiment(name);
    if (!experiment) {
      this.refresh(`experiment: “${name}” is not a ready experiment; the link may name one of ` +
        `${EXPERIMENTS.map((known) => known.name).join(", ")}`);
      return false;
    }
    if (embed) document.documentElement.classList.add("embed-experiment");
    this.experiment = experiment;
    this.select.value = name;
    $("experiment-expect").textContent = experiment.expect;
    this.drawQuestion(experiment);
    $("experiment-link").value = new URL(`#experiment=${name}`, location.href).href;
    if (link) this.hooks.link(name);
    if (scroll) $("experiments").scrollIntoView({ block: "start" });
    this.draw();
    this.refresh();
    return true;
  }

  // The question and its answers as radio buttons, then "skip"; the answer given when it ran stays chosen.
  drawQuestion(experiment) {
    const asked = question(experiment);
    $("experiment-question").textContent = asked.text;
    const given = this.predictions.get(experiment.name);
    $("experiment-choices").replaceChildren(...[...asked.choices, { value: SKIP, label: "skip: no prediction" }]
      .map(({ value, label }) => {
        const choice = document.createElement("label");
        choice.className = value === SKIP ? "choice skip" : "choice";
        const input = document.createElement("input");
        input.type = "radio";
        input.name = "experiment-prediction";
        input.value = value;
        input.checked = value === given;
        choice.append(input, ` ${label}`);
        return choice;
      }));
  }

  // The learner's answer on screen, or null while none is chosen.
  chosen() {
    return document.querySelector("input[name='experiment-prediction']:checked")?.value ?? null;
  }

  // Run waits for a prediction (or skip); once an experiment has run, its prediction stays as it was given.
  refresh(text) {
    const ran = this.experiment && this.predictions.has(this.experiment.name) && this.complete();
    $("experiment-predict").disabled = this.running || ran;
    $("experiment-run").disabled = this.running || this.chosen() === null;
    const status = $("experiment-status");
    if (text !== undefined) status.textContent = text;
    else if (!this.running && this.chosen() === null) status.textContent = CHOOSE_FIRST;
    else if (status.textContent === CHOOSE_FIRST) status.textContent = "";
  }

  async run() {
    if (this.running || this.chosen() === null) return;
    const experiment = this.experiment;
    if (!this.complete()) this.predictions.set(experiment.name, this.chosen());
    this.running = true;
    this.refresh("Loading Python…");
    try {
      if (!this.request) await this.hooks.wake();
      const armList = arms(experiment);
      let todo = trainings(armList.filter((arm) => !this.results.has(armKey(arm))));
      const reused = [];
      await this.hooks.exclusive(async (finished) => {
        // The page's finished run, if it trained as an arm would: its model is sampled before anything replaces it.
        const reusable = finished && todo.find(({ arm }) => sameTraining(arm, finished, finished.defaults));
        if (reusable) {
          this.refresh(`Sampling ${reusable.arm.label} from the run you trained…`);
          await this.sampleArms(this.sharing(experiment, reusable.arm), finished.events, null);
          reused.push(`${reusable.arm.label} is the run you trained`);
          todo = todo.filter((training) => training !== reusable);
        }
        for (const [index, { arm }] of todo.entries()) {
          this.refresh(`Training ${arm.label} (${index + 1} of ${todo.length})…`);
          await this.train(this.sharing(experiment, arm));
        }
      });
      const earlier = trainings(armList).length - todo.length - reused.length;
      if (earlier > 0) reused.push(`${earlier === 1 ? "one arm was" : `${earlier} arms were`} run before`);
      this.refresh(reused.length ? `Done; reused: ${reused.join(", ")}.` : "Done.");
    } catch (error) {
      this.refresh(`The experiment stopped: ${error.message}`);
    } finally {
      this.running = false;
      this.refresh();
      if (experiment === this.experiment) this.draw();
    }
  }

  // The arms of this experiment that train as `arm` does (one for most experiments, several for temperature).
  sharing(experiment, arm) {
    return arms(experiment).filter((other) => trainingKey(other) === trainingKey(arm));
  }

  // Train one model and sample each arm that uses it.
  async train(sharing) {
    const [first] = sharing;
    await this.request("configure", { config: first.config, data: first.data });
    const events = [];
    const result = await this.request("train", {}, { timeoutMs: TRAIN_SILENCE_MS, onProgress: (chunk) => {
      events.push(...chunk.events);
      this.live = { arm: first, events };
      this.drawChart();
    } });
    const diverged = result.reason === "diverged" ? { step: result.step, message: result.message } : null;
    this.live = null;
    await this.sampleArms(sharing, events, diverged);
  }

  // Sample each arm from the model the Session holds (a diverged one has nothing to say) and keep the results.
  async sampleArms(sharing, events, diverged) {
    for (const [index, arm] of sharing.entries()) {
      const sampled = diverged ? { samples: [], mean_length: null, in_training: null }
        : await this.request("sample", arm.sampling);
      this.results.set(armKey(arm), { ...sampled, events, diverged, shared: index > 0 });
    }
  }

  armResults() {
    return arms(this.experiment).map((arm) => ({ arm, result: this.results.get(armKey(arm)) ?? null }));
  }

  complete() {
    return this.armResults().every(({ result }) => result);
  }

  // Once every arm has its result: the outcome, marked against the prediction, and the expectation revealed.
  draw() {
    const results = this.armResults();
    const complete = results.every(({ result }) => result);
    this.drawChart();
    this.drawSamples(results);
    const measured = complete ? results.map(({ arm, result }) => ({
      label: arm.label, finalLoss: finalLosses(result.events).smoothed, finalHoldout: finalLosses(result.events).holdout,
      meanLength: result.mean_length, inTraining: result.in_training, diverged: result.diverged,
      shared: result.shared,
    })) : null;
    const lines = measured ? outcome(this.experiment, measured) : [];
    $("experiment-outcome").replaceChildren(...lines.map((line) => {
      const item = document.createElement("li");
      item.textContent = line;
      return item;
    }));
    $("experiment-outcome-block").hidden = lines.length === 0;
    const marks = measured ? verdict(this.experiment, measured, this.predictions.get(this.experiment.name) ?? SKIP) : [];
    $("experiment-verdict").replaceChildren(...marks.map(({ text, right }) => {
      const item = document.createElement("li");
      item.textContent = text;
      if (right !== null) item.className = right ? "right" : "wrong";
      return item;
    }));
    $("experiment-verdict-block").hidden = marks.length === 0;
  }

  // One curve per trained model (arms that share a model share its curve), the one in training drawn live.
  drawChart() {
    const curves = [];
    for (const { arm, result } of this.armResults()) {
      if (result && !result.shared) curves.push({ label: arm.label, events: result.events });
    }
    if (this.live && !curves.some(({ label }) => label === this.live.arm.label)) {
      curves.push({ label: this.live.arm.label, events: this.live.events });
    }
    $("experiment-chart-block").hidden = curves.length === 0;
    if (curves.length === 0) return;
    this.curves = curves;
    this.chart.draw();
    $("experiment-chart").dataset.curves = String(curves.length);
  }

  // The curves overlaid for uPlot ({options, data}): one colour and dash per trained model.
  chartOf(curves, colour) {
    const records = curves.map(({ events }, id) => makeRecord({ id, config: {}, data: null, events }));
    const width = chartWidth($("experiment-chart"));
    const series = [{ label: "step" }, ...curves.map(({ label }, i) => ({
      label, stroke: colour(`--run-${i}`), width: 2, dash: DASHES[i], points: { show: false }, spanGaps: true,
    }))];
    const axes = axis(colour, "--muted", "--line");
    return {
      options: {
        width, height: width < 480 ? 200 : 240, scales: { x: { time: false } }, cursor: { drag: { x: false, y: false } },
        axes: [{ ...axes, label: "step", size: 36 }, { ...axes, label: "loss (smoothed)", size: 44 }],
        series,
      },
      data: overlayData(records),
    };
  }

  drawSamples(results) {
    const columns = results.filter(({ result }) => result).map(({ arm, result }, i) => {
      const column = document.createElement("div");
      column.className = "experiment-arm";
      column.style.setProperty("--arm-color", `var(--run-${i})`);
      const title = document.createElement("h3");
      title.textContent = arm.label;
      const list = document.createElement("ol");
      list.className = "chips samples";
      list.setAttribute("aria-label", `Samples, ${arm.label}`);
      list.replaceChildren(...result.samples.map((name) => {
        const item = document.createElement("li");
        item.textContent = name === "" ? "(empty)" : name;
        return item;
      }));
      if (result.diverged) {
        const note = document.createElement("p");
        note.className = "message error";
        note.textContent = `Diverged: ${result.diverged.message}`;
        column.append(title, note);
      } else column.append(title, list);
      return column;
    });
    $("experiment-samples").replaceChildren(...columns);
  }
}
