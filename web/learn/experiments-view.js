// The Experiments card: pick a ready experiment (experiments.js decides what it is), predict what will change (or
// skip), run it, and see the measured outcome marked against the prediction and the stated expectation, which is
// revealed only then; both arms side by side: their loss curves overlaid, their samples in columns.
// Python trains, samples and measures (final losses, mean sample length, share of samples in the training data);
// this module only sends the requests and draws the replies. An arm already run with the same settings is reused.
// Which worker trains which arm, side by side or one after another, and Pause and Stop, are arms-control.js's.

import { EXPERIMENTS, SKIP, arms, findExperiment, outcome, question, sameTraining, trainingKey, trainings, verdict }
  from "./experiments.js";
import { makeRecord, overlayData } from "../runs/runs.js";
import { on } from "../base/events.js";
import { Chart, axis, chartWidth } from "../base/chart-view.js";
import { chunkDeadlineMs, runSeconds, sampleDeadlineMs } from "../python/recovery.js";
import { SMOOTHED_LOSS, finalLosses } from "../base/losses.js";
import { longestFirst, trainingText } from "./arms.js";
import { ArmRunner, planWorkers } from "./arms-control.js";

const $ = (id) => document.getElementById(id);
const LIVE_DRAW_MS = 250;
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
    this.runner = null;            // the ArmRunner of the experiment under way
    this.live = new Map();         // label -> {arm, events}: the trainings under way, drawn live
    this.liveDraw = null;          // the timer of the next live drawing
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
    $("experiment-pause").addEventListener("click", () => {
      if (!this.runner) return;
      if (this.runner.paused) {
        this.runner.resume();
        this.refresh();
        this.progressText(this.jobs, this.finished(this.jobs));
      } else {
        this.runner.pause();
        this.refresh("Paused: every arm stops after its current chunk; Resume goes on.");
      }
    });
    $("experiment-stop").addEventListener("click", () => {
      this.runner?.stop();
      this.refresh("Stopping every arm after its current chunk…");
    });
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
    const shared = new URL(`#experiment=${name}`, location.href);
    shared.searchParams.delete("workers");      // the debug switch (arms.js) is no part of a shared link
    $("experiment-link").value = shared.href;
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
    const halting = Boolean(this.runner) && !this.runner.stopped;
    $("experiment-pause").hidden = $("experiment-stop").hidden = !this.running;
    $("experiment-pause").disabled = $("experiment-stop").disabled = !halting;
    $("experiment-pause").textContent = this.runner?.paused ? "Resume" : "Pause";
    const status = $("experiment-status");
    if (text !== undefined) status.textContent = text;
    else if (!this.running && this.chosen() === null) status.textContent = CHOOSE_FIRST;
    else if (status.textContent === CHOOSE_FIRST) status.textContent = "";
  }

  async run() {
    if (this.running || this.chosen() === null) return;
    const experiment = this.experiment;
    if (!this.complete()) this.predictions.set(experiment.name, this.chosen());
    let runner = null;
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
        const plan = await planWorkers(todo.length);
        runner = this.runner = new ArmRunner({ request: this.request, plan });
        this.planned = plan;
        let jobs = todo.map(({ arm }) => this.sharing(experiment, arm));
        if (plan.workers > 1) jobs = longestFirst(jobs, await this.estimates(jobs));
        this.jobs = jobs;
        this.progressText(jobs, 0);
        await runner.run(jobs, (sharing, request) => this.train(sharing, request, runner, jobs));
      });
      const earlier = trainings(armList).length - todo.length - reused.length;
      if (earlier > 0) reused.push(`${earlier === 1 ? "one arm was" : `${earlier} arms were`} run before`);
      this.refresh(this.endText(runner, reused));
    } catch (error) {
      // The arm in training on the page's worker is named; the arms that finished are kept, so Run again trains only
      // what is missing.
      const kept = arms(experiment).filter((arm) => this.results.has(armKey(arm))).length;
      this.refresh(this.failing ? `The experiment stopped at ${this.failing}: ${error.message}. ` +
        `${kept ? `The ${kept === 1 ? "arm" : "arms"} that finished ${kept === 1 ? "is" : "are"} kept; ` : ""}` +
        "Run it again to train what is missing." : `The experiment stopped: ${error.message}`);
    } finally {
      this.failing = null;
      runner?.close();
      this.runner = null;
      this.live.clear();
      this.running = false;
      this.refresh();
      if (experiment === this.experiment) this.draw();
    }
  }

  // Each job's training time by Python's estimate (its `check` of the arm's settings), for the order side by side;
  // none when a check fails (the jobs then keep the experiment's order).
  async estimates(jobs) {
    try {
      return await Promise.all(jobs.map(async ([{ config }]) =>
        runSeconds((await this.request("check", { config })).cost, config.num_steps)));
    } catch {
      return [];
    }
  }

  // The arms of this experiment that train as `arm` does (one for most experiments, several for temperature).
  sharing(experiment, arm) {
    return arms(experiment).filter((other) => trainingKey(other) === trainingKey(arm));
  }

  // What the status says when the experiment is over: done (with what was reused, and any arm trained again after its
  // worker was lost), stopped, or which arms failed.
  endText(runner, reused) {
    const label = (job) => job[0].label;
    if (runner?.stopped) {
      const trained = this.armResults().filter(({ result }) => result && !result.shared).length;
      return `Stopped: ${trained} of ${trainings(arms(this.experiment)).length} trainings finished` +
        `${trained ? " (kept)" : ""}; Run experiment trains the rest.`;
    }
    const lines = [reused.length ? `Done; reused: ${reused.join(", ")}.` : "Done."];
    if (runner?.failed.length) {
      lines[0] = `Done, except ${runner.failed.map(({ job }) => label(job)).join(", ")}, which failed: ` +
        `${runner.failed.map(({ reason }) => reason).join("; ")}.`;
    }
    for (const { job, reason } of runner?.retried ?? []) {
      lines.push(`${label(job)} was trained again from the start: ${reason[0].toLowerCase()}${reason.slice(1)}.`);
    }
    const note = runner?.plan.note || runner?.note;
    if (note) lines.push(`One arm at a time: ${note}.`);
    return lines.join(" ");
  }

  // The status while arms train: which are under way, on how many workers.
  progressText(jobs, done) {
    const runner = this.runner;
    if (!runner || runner.paused || runner.stopped || jobs.length === 0) return;
    const labels = [...this.live.keys()];
    const next = jobs[done]?.[0].label;
    this.refresh(trainingText(labels.length ? labels : [next], { done, total: jobs.length,
      workers: runner.note ? 1 : runner.plan.workers, note: runner.plan.note || runner.note }));
  }

  // Train one model on `request`'s worker and sample each arm that uses it; a stopped training keeps nothing.
  async train(sharing, request, runner, jobs) {
    const [first] = sharing;
    await request("configure", { config: first.config, data: first.data });
    const events = [];
    this.live.set(first.label, { arm: first, events });
    this.progressText(jobs, this.finished(jobs));
    this.failing = first.label;
    // The arms are small models: a chunk has the training's own deadline, so a lost worker is noticed in seconds.
    const result = await runner.train(request, { timeoutMs: chunkDeadlineMs(null), onProgress: (chunk) => {
      events.push(...chunk.events);
      this.drawLive();
    } });
    this.live.delete(first.label);
    if (result.reason === "stop") return;
    const diverged = result.reason === "diverged" ? { step: result.step, message: result.message } : null;
    await this.sampleArms(sharing, events, diverged, request);
    this.progressText(jobs, this.finished(jobs));
  }

  // The live curves, drawn at most once per LIVE_DRAW_MS and in an animation frame: the chart is made anew each time,
  // and arms side by side bring their chunks several at a time.
  drawLive() {
    if (this.liveDraw) return;
    this.liveDraw = setTimeout(() => requestAnimationFrame(() => {
      this.liveDraw = null;
      if (this.live.size) this.drawChart();
    }), LIVE_DRAW_MS);
  }

  // How many of these jobs have their results.
  finished(jobs) {
    return jobs.filter((sharing) => this.results.has(armKey(sharing[0]))).length;
  }

  // Sample each arm from the model the Session holds (a diverged one has nothing to say) and keep the results.
  async sampleArms(sharing, events, diverged, request = this.request) {
    for (const [index, arm] of sharing.entries()) {
      const sampled = diverged ? { samples: [], mean_length: null, in_training: null }
        : await request("sample", arm.sampling, { timeoutMs: sampleDeadlineMs(null, arm.sampling.num_samples) });
      this.results.set(armKey(arm), { ...sampled, events, diverged, shared: index > 0 });
    }
  }

  // What the tests read (window.__microgpt.experiment): the plan, the extra workers alive, each arm's losses and names.
  summary() {
    return {
      running: this.running, plan: this.planned ?? null, alive: this.runner?.alive ?? 0,
      paused: this.runner?.paused ?? false,
      arms: Object.fromEntries(this.armResults().filter(({ result }) => result).map(({ arm, result }) =>
        [arm.label, { losses: result.events.map((event) => event.loss), samples: result.samples }])),
      live: Object.fromEntries([...this.live].map(([label, { events }]) => [label, events.length])),
    };
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

  // One curve per trained model (arms that share a model share its curve), those in training drawn live, in
  // the arms' order (so each keeps its colour).
  drawChart() {
    const curves = [];
    for (const { arm, result } of this.armResults()) {
      if (result && !result.shared) curves.push({ label: arm.label, events: result.events });
      else if (!result && this.live.has(arm.label)) curves.push({ label: arm.label, ...this.live.get(arm.label) });
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
        axes: [{ ...axes, label: "step", size: 36 }, { ...axes, label: SMOOTHED_LOSS, size: 44 }],
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
