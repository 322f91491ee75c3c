// The page's wiring: it sends requests to the worker, keeps their bookkeeping (which answer is current, which run a
// chunk belongs to), and tells the views what happened through events.js. It decides nothing itself: phases.js says
// what each phase allows, Python validates settings and data, trains and samples.
// A new view registers with events.js's `on(...)` (see the list of events there) and is imported below.

import { WorkerClient } from "./client.js";
import { SettingsForm, settingSpecs } from "./settings.js";
import { linkSettings, problem } from "./hash.js";
import { DataPanel } from "./data.js";
import { LossChart } from "./chart.js";
import { LoadingView, followRun, showBanner, showControls, showMessage } from "./views.js";
import { ShareLink } from "./share.js";
import { EmbedView } from "./embed.js";
import { AFTER_TRAINING, afterFailedTraining, afterLoading, announcement, canPreview, controls, experimentRefusal,
  focusAfter, halting, hasModel, isLocked, isReady, isRunning } from "./phases.js";
import { changedSettings, croppedNote, holdoutNote, trainedWithText } from "./guidance.js";
import { emit, on, pythonReady } from "./events.js";
import { InsightPanel } from "./insight-panel.js";
import { RunKeeper } from "./run-keeper.js";
import { textsWithSettings } from "./runs.js";
import { finishedRun } from "./experiments.js";
import { ModelKeeper } from "./model-keeper.js";
import { CodePanel } from "./code-panel.js";
import { ExperimentView } from "./experiment-view.js";
import { MicroscopeView, ShapesView } from "./learn-views.js";
import { chunkDeadlineMs, costText, eventsUpTo, lostText, saveDue } from "./recovery.js";
import { focusKeeper } from "./focus.js";

const $ = (id) => document.getElementById(id);
const EMBED = document.documentElement.classList.contains("embed");   // set by boot.js before the first paint

const state = {
  phase: EMBED ? "dormant" : "loading", run: 0, summary: null, dataSummary: null, dataOk: false, events: [], samples: [],
  sampleCount: 0, checkSeq: 0, dataSeq: 0, inFlight: 0, timings: {}, startup: null, trainWhenReady: false,
  pendingLink: null,
  cost: null,            // Python's estimate of one training step for the settings (`check`)
  lastModel: null,       // {checkpoint, config, data, step}: the run as last saved, restored after a lost worker
  runData: null,         // the data the current run was configured with
  lastSavedAt: 0, restoring: null,
};
const loadingView = new LoadingView();
const data = new DataPanel(() => {
  previewData();
  share?.edited("update");
});
const embedView = EMBED ? new EmbedView() : null;
let form = null;
let client = null;
let share = null;
let formBuilt = null;        // resolves once the settings form exists and shows the link's settings
let modelKeeper = null;      // Download, Load, and what this browser keeps (not in the embed widget)
let linkHadSettings = false; // the page was opened with settings in its link: they win over kept ones
const chart = new LossChart($("chart"),
  { empty: $("chart-empty"), frame: $("chart-frame"), readout: $("chart-readout"), table: $("chart-table") });
followRun(chart);
// A model loaded without its training data has no split to show: the data panel keeps its preview.
on("configured", (summary) => { if (summary.num_docs !== null) data.show(summary); });
on("configured", (summary) => { $("train-edited").hidden = !summary.edited; });
const codePanel = EMBED ? null : new CodePanel({ request: (type, payload) => ask(type, payload) });
on("phase", ({ phase }) => codePanel?.setRunning(isLocked(phase)));
const experiments = new ExperimentView({ exclusive, wake, link: (name) => share?.showExperiment(name) });
new MicroscopeView();
new ShapesView({ onShapes: (module, byLine) => codePanel?.setNotes(module, byLine) });
// The run list and the views inside the model; the embed widget shows only training and samples.
const insight = EMBED ? null : new InsightPanel(on);
const runKeeper = EMBED ? null : new RunKeeper({
  on, currentData: () => data.current().data, sampling: () => form.sampling(), vary: (run) => varyRun(run),
  onSamples: (names) => insight.samples(names), onChange: (runs) => modelKeeper?.keepRuns(runs),
});

function setPhase(phase) {
  const previous = state.phase;
  state.phase = phase;
  // Settings from Back/Forward that arrived while a model was locked are shown once it no longer is.
  if (state.pendingLink && !isLocked(phase)) applyLink(state.pendingLink);
  const now = refresh();
  if (phase !== previous) {
    emit("phase", { phase, previous, controls: now });
    const latest = chart.latest();
    const said = announcement(phase, previous,
      { step: latest.step, numSteps: state.summary?.config.num_steps, holdout: latest.holdout });
    if (said) $("announce").textContent = said;
  }
}

const keepFocus = focusKeeper("#train-controls button, #generate", () => focusAfter(state.phase));

// What the page allows now, applied to the controls; returns it.
function refresh() {
  const now = controls({
    phase: state.phase, formReady: form !== null, dataOk: state.dataOk, hasHistory: state.events.length > 0,
    settingsOk: form !== null && !form.hasErrors({ sampling: false }), dataChosen: data.current().data !== null,
    samplingOk: form !== null && !form.hasErrors({ sampling: true }), doneReason: embedView?.doneText(),
  });
  data.setEnabled(now.dataEnabled);
  form?.setLocked(now.locked);
  showControls(state.phase, now);
  modelKeeper?.setEnabled({ download: now.download, load: now.load, reason: now.modelReason });
  showGuidance();
  keepFocus();
  return now;
}

// What the form says about the model on screen: fields changed since it was trained, and what a short context cuts.
function showGuidance() {
  if (!form) return;
  form.setNote("block_size", croppedNote(state.dataSummary?.length_counts, form.value("block_size")));
  const trained = state.events.length ? state.summary : null;    // the run the chart shows
  $("holdout-note").textContent = trained ? holdoutNote(trained.length_counts, trained.config.block_size) : "";
  $("holdout-note").hidden = !$("holdout-note").textContent;
  const changes = hasModel(state.phase) ? changedSettings(state.summary?.config, form.config(), form.specs) : [];
  form.markChanged(changes);
  $("settings-trained").textContent = trainedWithText(changes);
  $("settings-trained").hidden = changes.length === 0;
}

// Python is the one validator: every edit is checked there, and answers to superseded checks are dropped.
let checkTimer = null;
function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(() => { checkTimer = null; check(); }, 120);
}

// Requests whose answers change what the form shows; the tests wait for none to be outstanding.
function ask(type, payload) {
  state.inFlight++;
  return client.request(type, payload).finally(() => state.inFlight--);
}

async function check() {
  if (!isReady(state.phase)) return;
  const seq = ++state.checkSeq;
  try {
    // The parameter count depends on the vocabulary: it is counted for the previewed data, once that is known.
    const vocabSize = state.dataSummary?.vocab_size;
    const result = await ask("check",
      { config: form.config(), sample_seed: form.value("sample_seed"), vocab_size: vocabSize });
    if (seq !== state.checkSeq) return;
    const unplaced = form.showErrors(result.errors);
    showMessage("settings-message", unplaced.length ? { message: unplaced.join("; ") } : null);
    if (result.cost) state.cost = result.cost;
    $("param-count").textContent = result.num_params === null || vocabSize === undefined ? ""
      : costText(result.num_params, result.cost);
    emit("checked", { config: form.config(), vocabSize, ok: result.num_params !== null });
  } catch (error) {
    if (seq === state.checkSeq) showMessage("settings-message", error);
  }
  refresh();
}

// What Python makes of the chosen data: its summary, from `preview`, which leaves the run alone.
async function previewData() {
  if (!canPreview(state.phase)) return;
  const { data: payload, reason } = data.current();
  const seq = ++state.dataSeq;
  state.dataOk = false;
  state.dataSummary = null;
  if (!payload) {
    data.showPending(reason);
    return refresh();
  }
  try {
    const summary = await ask("preview", { data: payload, config: form.config() });
    if (seq !== state.dataSeq) return;
    state.dataSummary = summary;
    state.dataOk = true;
    data.show(summary);
    scheduleCheck();
    attachData(payload);
  } catch (error) {
    if (seq === state.dataSeq) data.showError(error.message);
  }
  refresh();
}

// A model loaded without its training data resumes once the chosen data is that data.
async function attachData(payload) {
  const run = state.run;
  const attached = await modelKeeper?.dataChosen(state.summary, payload);
  if (!attached || run !== state.run || state.phase !== "stopped") return;
  state.summary = attached;
  data.show(attached);
  setPhase("paused");
}

// A model from a checkpoint (a file, or the one this browser kept) becomes the page's model: its settings in the
// form, its curve if the page kept one, its step; then it samples, and resumes if Python has its data.
function adopt(summary, events) {
  state.run++;
  state.summary = summary;
  if (summary.num_docs !== null) state.dataSummary = summary;
  state.events = [...events];
  showMessage("train-message", null);
  form.setTexts(textsWithSettings(form.texts(), summary.config));
  share.edited("commit");
  emit("configured", summary);
  const { num_steps: numSteps } = summary.config;
  emit("progress", { events: state.events, step: summary.step, num_steps: numSteps, done: summary.step >= numSteps,
    steps_per_sec: null });
  setPhase(afterLoading(summary));
  scheduleCheck();
}

async function train() {
  if (state.phase === "dormant") {
    state.timings.trainPressed = performance.now();
    state.trainWhenReady = true;
    return startWorker();
  }
  const run = ++state.run;
  state.timings = { ...state.timings, trainStart: performance.now(), trainEnd: null, firstStep: null };
  showBanner(null);
  showMessage("train-message", null);
  setPhase("starting");
  const payload = data.current().data;
  let summary;
  try {
    summary = await client.request("configure", { config: form.config(), data: payload,
      edited: codePanel?.edited || undefined });
  } catch (error) {
    if (run !== state.run) return;
    showMessage("train-message", error);
    return setPhase("idle");
  }
  if (run !== state.run) return;
  state.summary = summary;
  state.dataSummary = summary;
  state.events = [];
  state.lastModel = null;
  state.lastSavedAt = performance.now();
  state.runData = payload;
  emit("configured", summary);
  continueTraining(run);
}

// Ask the worker for the run's checkpoint and keep it in memory (see recovery.js); a failure only means no copy.
async function keepLastModel(run) {
  state.lastSavedAt = performance.now();
  try {
    const { checkpoint } = await client.request("save");
    if (run !== state.run) return;
    state.lastModel = { checkpoint, config: state.summary.config, data: state.runData,
      step: state.events.at(-1)?.step ?? 0 };
  } catch {
    // the worker was lost meanwhile: the previous copy stays
  }
}

// After a lost worker restarted: the run's checkpoint with its data, then the page as it was.
async function restoreLastModel(lastModel) {
  const run = ++state.run;
  setPhase("starting");
  try {
    const summary = await client.request("load", { checkpoint: lastModel.checkpoint, data: lastModel.data });
    if (run !== state.run) return;
    const events = eventsUpTo(state.events, summary.step);
    state.summary = summary;
    state.events = events;
    state.lastModel = { ...lastModel, step: summary.step };
    emit("configured", summary);
    emit("progress", { events, step: summary.step, num_steps: summary.config.num_steps, done: false,
      steps_per_sec: null });
    setPhase("stopped");
  } catch (error) {
    if (run !== state.run) return;
    showMessage("train-message", error);
    setPhase("idle");
  }
}

async function continueTraining(run) {
  setPhase("training");
  try {
    const result = await client.request("train", {},
      { onProgress: (chunk) => progress(run, chunk), timeoutMs: chunkDeadlineMs(state.cost) });
    if (run !== state.run) return;
    if (result.reason === "done") state.timings.trainEnd = performance.now();
    if (result.reason === "diverged") {
      showMessage("train-message", { message: result.message });
      emit("diverged", { step: result.step, loss: result.loss, message: result.message });
    }
    keepLastModel(run);
    setPhase(AFTER_TRAINING[result.reason]);
    emit("finished", { reason: result.reason, message: result.message });
    // The names are what a run is for: a finished run shows them at once (when the sampling settings are usable).
    if (result.reason === "done" && !$("generate").disabled) generate();
  } catch (error) {
    if (run !== state.run) return;
    showMessage("train-message", error);
    setPhase(afterFailedTraining(state.events.length > 0 || Boolean(state.summary?.step)));
    emit("finished", { reason: "error", message: error.message });
  }
  if (run === state.run && hasModel(state.phase)) modelKeeper?.keep(state.summary, state.events);
}

function progress(run, chunk) {
  if (run !== state.run) return;       // a chunk of a run the page has already abandoned
  if (chunk.events.length) state.timings.firstStep ??= performance.now();
  state.events.push(...chunk.events);
  emit("progress", chunk);
  if (saveDue(state.lastSavedAt, performance.now())) keepLastModel(run);
}

// One training step under the microscope, while paused: the step the loop would take next, with what it did.
async function stepOnce() {
  const run = state.run;
  $("step-once").disabled = true;
  try {
    const reply = await client.request("step_once");
    if (run !== state.run) return;
    progress(run, { events: [reply.event], step: reply.step, num_steps: reply.num_steps, done: reply.done,
      steps_per_sec: null });
    emit("stepped", reply);
    if (reply.done) {
      setPhase("done");
      emit("finished", { reason: "done" });
    }
  } catch (error) {
    if (run === state.run) showMessage("train-message", error);
  }
  refresh();
}

// A task that needs the Session to itself (an experiment trains its own runs): the page's run is given up first, the
// controls wait while it runs, and the page is idle (Ready) afterwards. The task hears of a run that finished all its
// steps (experiments.js's finishedRun): until the task configures another, the Session still holds its model.
async function exclusive(task) {
  const refusal = experimentRefusal(state.phase);
  if (refusal) throw new Error(refusal);
  const defaults = Object.fromEntries(form.specs.map((spec) => [spec.name, spec.default]));
  const finished = finishedRun({ phase: state.phase, summary: state.summary, data: state.runData, events: state.events,
    defaults });
  if (state.phase !== "idle") reset();
  state.run++;
  setPhase("experiment");
  try {
    return await task(finished);
  } finally {
    // A worker lost meanwhile has put the page back to loading; otherwise the page is ready again.
    if (state.phase === "experiment") {
      setPhase("idle");
      previewData();
    }
  }
}

// Python, loaded if it is not yet (the embed widget loads it only when asked).
function wake() {
  if (state.phase === "dormant") startWorker();
  return pythonReady;
}

// Pause or Stop: the worker ends its chunk and answers the `train` request (a paused run stops at once).
function halt(kind) {
  const next = halting(state.phase, kind);
  setPhase(next);
  if (next === "stopped") return emit("finished", { reason: "stop" });
  client.request(kind).catch((error) => showMessage("train-message", error));
}

function reset() {
  if (isRunning(state.phase)) client.request("stop").catch(() => {});
  state.run++;
  state.events = [];
  state.lastModel = null;
  emit("cleared");
  showMessage("train-message", null);
  setPhase("idle");
  previewData();
}

async function generate(event) {
  event?.preventDefault();
  const run = state.run;
  $("generate").disabled = true;
  try {
    const { samples } = await client.request("sample", form.sampling());
    if (run !== state.run) return refresh();     // the model these names came from is gone (Reset, new run)
    state.samples = samples;
    state.sampleCount++;
    emit("sampled", { samples });
    showMessage("sample-message", null);
  } catch (error) {
    showMessage("sample-message", error);
  }
  refresh();
}

const handlers = {
  loading: (payload) => loadingView.stage(payload),
  ready: async ({ pyodide, startup }) => {
    await formBuilt;
    if (!form) return;
    state.timings.ready ??= performance.now();
    state.startup = startup;          // how Python started: {from: "snapshot" | "fresh", bytes}
    loadingView.ready(pyodide);
    form.judgeAll = false;
    setPhase("idle");
    emit("ready", { request: (type, payload, options) => client.request(type, payload, options) });
    scheduleCheck();
    previewData();
    codePanel?.load().catch((error) => showMessage("code-edit-message", error));
    await modelKeeper?.restore({ linkHasSettings: linkHadSettings });
    if (state.trainWhenReady) {
      state.trainWhenReady = false;
      train();
    } else if (state.restoring) {
      const lastModel = state.restoring;
      state.restoring = null;
      restoreLastModel(lastModel);
    }
  },
  failed: (error) => { loadingView.failed(error.message); console.error(error.traceback || error.message); },
  lost: (reason) => {
    state.run++;
    state.dataOk = false;
    state.restoring = state.lastModel;
    showBanner(lostText(reason, state.lastModel));
    emit("lost", { reason });
    loadingView.restart();
    setPhase("loading");
  },
};

// The settings as the link carries them (hash.js's linkSettings).
function readLink() {
  return linkSettings(form.texts(), data.shared());
}

// Show settings from a link or a history entry. A locked model's settings cannot change under it: they wait.
function applyLink(link) {
  if (isLocked(state.phase)) {
    state.pendingLink = link;
    return;
  }
  state.pendingLink = null;
  form.setTexts(link.values);
  applyTheme();
  data.restore(link.values.source ?? "builtin", link.text, link.textMissing);
  embedView?.showSettings(form.specs, link.values, data.shared().source);
  scheduleCheck();
  previewData();
}

// "Vary this run": its settings and data go back into the form (the sampling settings stay as they are), as one
// new history entry; the reader changes one thing and trains again.
function varyRun(run) {
  const texts = textsWithSettings(form.texts(), run.config, { sampling: false });
  applyLink({ values: { ...texts, source: run.data.source }, text: run.data.text ?? "" });
  share?.edited("commit");
  $("settings-title").scrollIntoView({ block: "start" });
}

// The colours the Share card's theme names (boot.js applied the link's before the first paint); auto: the system's.
function applyTheme() {
  const theme = form.value("theme");
  if (theme === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

// The form is drawn from the build-time schema, while Python loads in parallel; `ready` waits for the form and for
// the settings of the link the page was opened with.
async function buildForm() {
  const schema = await (await fetch(new URL("./schema.json", import.meta.url))).json();
  form = new SettingsForm(schema,
    { main: $("settings-main"), more: $("settings-more"), sampling: $("sampling-fields"), share: $("share-fields") },
    (name) => (name === "theme" ? applyTheme() : scheduleCheck()), problem);
  form.judgeAll = EMBED;      // until Python is there to check the reader's edits
  data.showBuiltin(schema.builtin);
  share = new ShareLink({ specs: settingSpecs(schema), read: readLink, apply: applyLink, embed: EMBED,
    watch: [$("settings"), $("sampling"), $("data-controls"), $("share-fields"), $("embed-fields")],
    onHash: (hash) => embedView?.linkTo(hash),
    onExperiment: (name) => experiments.open(name, { embed: EMBED, scroll: !EMBED }) });
  linkHadSettings = location.hash.length > 1;
  await share.start();
  if (!EMBED) {
    const defaults = Object.fromEntries(schema.fields.map((field) => [field.name, field.default]));
    modelKeeper = new ModelKeeper({ request: (type, payload) => ask(type, payload), defaults, adopt,
      currentData: () => data.current().data, readSettings: readLink, applySettings: applyLink,
      applyRuns: (runs) => runKeeper.load(runs) });
    for (const element of [$("settings"), $("sampling"), $("data-controls")]) {
      element.addEventListener("input", () => modelKeeper.settingsChanged());
      element.addEventListener("change", () => modelKeeper.settingsChanged());
    }
  }
  refresh();
}

// The full page starts it at once; the embed widget only when the reader presses Train (no Python download before).
function startWorker() {
  client = new WorkerClient(new URL("./worker.js", import.meta.url), handlers);
  loadingView.restart();
  setPhase("loading");
}

function main() {
  formBuilt = buildForm().catch((error) => loadingView.failed(`the settings could not be loaded (${error.message})`));
  if (EMBED) $("loading").hidden = true;
  else startWorker();
  $("train").addEventListener("click", train);
  $("pause").addEventListener("click", () => halt("pause"));
  $("resume").addEventListener("click", () => continueTraining(state.run));
  $("step-once").addEventListener("click", stepOnce);
  $("stop").addEventListener("click", () => halt("stop"));
  $("reset").addEventListener("click", reset);
  // Not a #fragment link: the page's hash holds its settings.
  $("jump").addEventListener("click", () => {
    $("data-title").scrollIntoView({ block: "start" });
    $("data-title").focus({ preventScroll: true });
  });
  $("sampling").addEventListener("submit", generate);
  $("settings").addEventListener("submit", (event) => event.preventDefault());
}

// A read-only window for the end-to-end tests and for curious readers in the console.
window.__microgpt = {
  get phase() { return state.phase; },
  get losses() { return state.events.map((event) => event.loss); },
  get events() { return state.events; },
  get samples() { return state.samples; },
  get sampleCount() { return state.sampleCount; },
  get idle() {
    return checkTimer === null && state.inFlight === 0 && !data.busy() && !share?.busy() && !modelKeeper?.busy();
  },
  get summary() { return state.summary; },
  get latest() { return modelKeeper?.latest ?? null; },
  get edited() { return codePanel?.edited ?? false; },
  get client() { return client; },
  get timings() { return state.timings; },
  get startup() { return state.startup; },
  get chart() { return chart.summary(); },
  get runs() { return runKeeper?.runs ?? []; },
  get insight() { return insight ? { drawn: { ...insight.drawn }, drawMs: { ...insight.drawMs } } : null; },
  get lastModelStep() { return state.lastModel?.step ?? null; },
  get chartColors() { return chart.colors; },
};

main();
