// The page's composition root: it creates the parts, wires them to each other and to the buttons, starts the worker and
// applies what base/phases.js says the page allows. The parts: run/run-control.js (the run against the worker),
// run/checks-control.js (what Python says of the settings and the data), keep/last-model-control.js (the one owner of
// the run's last checkpoint: the copy that survives a lost worker and, through keep/keep-control.js, a reload),
// settings/state-control.js (the page's state, which the form, the Data panel, the link, the store and the embed read
// and write through), and the views, which follow base/events.js. A new view registers with base/events.js's `on(...)`
// (see the list of events
// there) and is imported below.

import { WorkerClient } from "./python/client-control.js";
import { WORKER_URL, takeEarlyWorker } from "./python/early-start-control.js";
import { describe, fromStored, toStored } from "./settings/state.js";
import { SettingsForm } from "./settings/settings-view.js";
import { problem } from "./settings/hash.js";
import { DataPanel } from "./settings/data-view.js";
import { LossChart } from "./run/loss-chart-view.js";
import { LoadingView, followRun, showControls, showEditStuck, showMessage } from "./run/run-view.js";
import { EDIT_NOTICE_S, START_RETRY_DELAYS_MS, editBusyText, startGaveUpText, startRetryText }
  from "./python/recovery.js";
import { ShareLink } from "./settings/share-control.js";
import { EmbedView } from "./settings/embed-view.js";
import { announcement, controls, focusAfter, hasModel, isLocked, isRunning } from "./base/phases.js";
import { changedSettings, croppedNote, holdoutNote, trainedWithText } from "./settings/guidance.js";
import { emit, on } from "./base/events.js";
import { InsightPanel } from "./insight/insight-control.js";
import { RunKeeper } from "./runs/runs-control.js";
import { ModelKeeper } from "./keep/keep-control.js";
import { CodePanel } from "./learn/code-view.js";
import { ExperimentView } from "./learn/experiments-view.js";
import { MicroscopeView, ShapesView } from "./learn/learn-view.js";
import { focusKeeper } from "./base/focus-control.js";
import { Checks } from "./run/checks-control.js";
import { LastModel } from "./keep/last-model-control.js";
import { PageState } from "./settings/state-control.js";
import { RunControl } from "./run/run-control.js";
import { AUTO_TRAIN_MS, retrainNow } from "./run/ghost.js";
import { bothOffer } from "./run/both.js";
import { TrainBoth } from "./run/both-control.js";

const $ = (id) => document.getElementById(id);
const EMBED = document.documentElement.classList.contains("embed");   // set by boot.js before the first paint
// A document with no origin (a frame sandboxed without allow-same-origin) may start no worker: see boot.js.
const NO_ORIGIN = window.origin === "null";

let phase = EMBED ? "dormant" : "loading";
let client = null;
let form = null;
let share = null;
let state = null;            // the page's state (settings/state-control.js)
let formBuilt = null;        // resolves once the settings form exists and shows the link's settings
let formSettled = false;     // formBuilt has resolved (the form is built, or could not be)
let modelKeeper = null;      // Download, Load, and what this browser keeps (not in the embed widget)
let linkHadSettings = false; // the page was opened with settings in its link: they win over kept ones
let inFlight = 0;
let startup = null;          // how Python started: {from: "snapshot" | "fresh", bytes, installer}
let both = null;             // Train both (run/both-control.js; not in the embed widget)

// Requests whose answers change what the form shows; the tests wait for none to be outstanding.
function ask(type, payload) {
  inFlight++;
  return client.request(type, payload).finally(() => inFlight--);
}
const request = (type, payload, options) => client.request(type, payload, options);

const page = { phase: () => phase, setPhase, refresh };
const loadingView = new LoadingView();
const data = new DataPanel(() => {
  checks.preview();
  state?.edit(dataPatch(), "update");
});
// The Data panel's choice as the state holds it (an uploaded file's text counts as pasted text).
function dataPatch() {
  const { source, text } = data.shared();
  return { values: { source }, text };
}
const checks = new Checks({ ask, page, form: () => form, data, onData: (payload) => runControl.attachData(payload) });
const lastModel = new LastModel(request);
// The kept copy says the phase the page is in (a reload brings a stopped run back stopped), whatever order the
// worker's answers to the saves around a Pause and a Stop came in.
on("phase", ({ phase: now }) => { if (hasModel(now)) lastModel.followPhase(now); });
const embedView = EMBED ? new EmbedView() : null;
const codePanel = EMBED ? null : new CodePanel({ request: ask, onEdit: (edited) => engineForEdit(edited) });
const runControl = new RunControl({ request, page, form: () => form, data, checks, lastModel, hooks: {
  startWorker, edited: () => codePanel?.edited, keeper: () => modelKeeper,
  adoptSettings: (config, edited) => state.withModel(config, { from: "model", force: true, edited }),
  busy: () => (both?.active ? "Train both is still training; stop it or let it finish first" : ""),
} });
const chart = new LossChart($("chart"), { empty: $("chart-empty"), frame: $("chart-frame"),
  readout: $("chart-readout"), table: $("chart-table"), note: $("chart-offaxis") });
const followed = followRun(chart, { runData: () => runControl.runData });
// A model loaded without its training data has no split to show: the data panel keeps its preview.
on("configured", (summary) => { if (summary.num_docs !== null) data.show(summary); });
on("configured", (summary) => { $("train-edited").hidden = !summary.edited; });
on("phase", ({ phase: now }) => codePanel?.setRunning(isLocked(now)));
// A run trained here from its first step to its last measures this browser: run lengths are said from it after.
on("finished", ({ reason }) => {
  const { events, summary, timings } = runControl;
  if (reason === "done" && !summary?.edited && events[0]?.step === 1 && timings.python > 0) {
    checks.measured(timings.python / events.length);
  }
});
const experiments = new ExperimentView({ exclusive: (task) => runControl.exclusive(task), wake: () => runControl.wake(),
  link: (name) => state?.edit({ experiment: name }, "commit") });
new MicroscopeView();
new ShapesView({ onShapes: (module, byLine, summary) => codePanel?.setNotes(module, byLine, summary) });
// The run list and the views inside the model; the embed widget shows only training and samples.
const insight = EMBED ? null : new InsightPanel(on, { step: (type, payload) => runControl.takeStep(type, payload) });
const runKeeper = EMBED ? null : new RunKeeper({
  // The data the run on screen trained on (Train both's previous settings may have had other data than the panel's).
  on, currentData: () => runControl.runData ?? data.current().data, sampling: () => form.sampling(), vary,
  onSamples: (names) => insight.samples(names), onChange: (kept) => modelKeeper?.keepRuns(kept),
  newKey: () => modelKeeper?.newRunKey() ?? null,
});
both = EMBED ? null : new TrainBoth({ runControl, request, page, sampling: () => form.sampling(),
  keeper: () => runKeeper, followed });

function setPhase(next) {
  const previous = phase;
  phase = next;
  state?.phaseChanged(next);
  const now = refresh();
  if (next !== previous) {
    emit("phase", { phase: next, previous, controls: now });
    const latest = chart.latest();
    const said = announcement(next, previous,
      { step: latest.step, numSteps: runControl.summary?.config.num_steps, holdout: latest.holdout });
    if (said) $("announce").textContent = said;
  }
}

const keepFocus = focusKeeper("#train-controls button, #generate", () => focusAfter(phase));

// What the page allows now, applied to the controls; returns it.
function refresh() {
  const now = controls({
    phase, formReady: form !== null, hasHistory: runControl.events.length > 0,
    dataOk: checks.dataOk, dataChecking: checks.dataChecking, dataChosen: data.current().data !== null,
    settingsOk: form !== null && !form.hasErrors({ sampling: false }),
    samplingOk: form !== null && !form.hasErrors({ sampling: true }), doneReason: embedView?.doneText(),
    companion: both?.companion ?? null,
  });
  data.setEnabled(now.dataEnabled);
  form?.setLocked(now.locked);
  showControls(phase, now);
  if (loadingView.gaveUp) {         // the client stopped trying to start Python: Retry (in the loading card) is next
    $("status").textContent = "Python did not start";
    $("status").dataset.state = "failed";
    $("train-reason").textContent = "Python did not start: see why below, then press Retry.";
  }
  if (NO_ORIGIN) {                  // boot.js's banner says why, and what the embedding page must allow
    $("status").textContent = "Cannot run here";
    $("status").dataset.state = "failed";
    $("train").disabled = true;
    $("train-reason").textContent = "Python cannot start in this frame: see why above.";
  }
  modelKeeper?.setEnabled({ download: now.download, load: now.load, reason: now.modelReason });
  showGuidance(now);
  keepFocus();
  return now;
}

// What the form says about the model on screen: fields changed since it was trained, and what a short context cuts.
function showGuidance(now) {
  if (!form) return;
  form.setNote("block_size", croppedNote(checks.dataSummary?.length_counts, form.value("block_size")));
  const trained = runControl.events.length ? runControl.summary : null;    // the run the chart shows
  $("holdout-note").textContent = trained ? holdoutNote(trained.length_counts, trained.config.block_size) : "";
  $("holdout-note").hidden = !$("holdout-note").textContent;
  const changes = hasModel(phase) ? changedSettings(runControl.summary?.config, form.config(), form.specs) : [];
  form.markChanged(changes);
  $("settings-trained").textContent = trainedWithText(changes);
  $("settings-trained").hidden = changes.length === 0;
  if (!both) return;
  const offer = both.active ? { offered: false, text: "" } : bothOffer({ phase, summary: runControl.summary,
    runData: runControl.runData, lastStep: runControl.events.at(-1)?.step ?? runControl.summary?.step ?? 0,
    diverged: runControl.diverged, edited: Boolean(codePanel?.edited) }, changes, now.train);
  $("both-offer").hidden = !offer.offered;
  $("both-offer-text").textContent = offer.text;
}

// Train both: the focus and the view go to the Training chart, where both curves are drawn.
function trainBoth() {
  const changes = changedSettings(runControl.summary?.config, form.config(), form.specs);
  both.start(changes);
  $("stop").focus({ preventScroll: true });
  $("train-controls").scrollIntoView({ block: "start" });
}

// The worker's messages besides replies (python/client-control.js): loading progress, Python ready, failed, or lost.
const handlers = {
  loading: (payload) => loadingView.stage(payload),
  ready: async ({ pyodide, startup: how }) => {
    await formBuilt;
    if (!form) return;
    runControl.timings.ready ??= performance.now();
    startup = how;
    loadingView.ready(pyodide);
    form.judgeAll = false;
    setPhase("idle");
    emit("ready", { request });
    checks.schedule();
    checks.preview();
    codePanel?.load().catch((error) => showMessage("code-edit-message", error));
    await modelKeeper?.restore({ linkHasSettings: linkHadSettings });
    runControl.ready();
    started();
  },
  failed: (error) => { loadingView.failed(error.message); console.error(error.traceback || error.message); },
  // Python did not start (a file did not download, the worker stopped while starting): the client tries again after
  // a wait, then gives up and the Retry button starts it again.
  retrying: ({ reason, tried, delayMs }) => loadingView.failed(startRetryText(reason, tried, delayMs)),
  gaveUp: ({ reason, download, tries }) => {
    loadingView.failed(startGaveUpText(reason, { download, tries }), { retry: true });
    refresh();
  },
  editBusy: (busy) => showEditStuck(busy && busy.seconds >= EDIT_NOTICE_S ? editBusyText(busy) : null),
  lost: (reason, { edit = false } = {}) => {
    if (edit) codePanel?.dropEdit(reason);
    runControl.lost(reason, { edit });
    checks.lost();
    emit("lost", { reason });
    loadingView.restart();
    setPhase("loading");
  },
};

// An edit trains on the scalar engine whatever the form says, and the reader may have picked scalar for it: once the
// original code is back (Restore original, or an edit dropped), so is the engine the form had before the edit.
let engineBeforeEdit = null;
function engineForEdit(edited) {
  if (!state) return;
  if (edited) {
    engineBeforeEdit ??= state.get().values.engine;
    return;
  }
  const before = engineBeforeEdit;
  engineBeforeEdit = null;
  if (before === undefined || before === null || state.get().values.engine === before) return;
  state.show({ ...state.get(), values: { ...state.get().values, engine: before } }, { from: "vary", withData: false });
}

// The form is drawn from the build-time schema, while Python loads in parallel; `ready` waits for the form and for
// the settings of the link the page was opened with.
async function buildForm() {
  const schema = await (await fetch(new URL("./schema.json", import.meta.url))).json();
  const description = describe(schema);
  state = new PageState({ description, data, embedView, phase: () => phase });
  form = new SettingsForm(schema,
    { main: $("settings-main"), more: $("settings-more"), sampling: $("sampling-fields"), share: $("share-fields") },
    (name, text, mode) => {
      state.edit({ values: { [name]: text } }, mode);
      if (mode === "typing" && name !== "theme") checks.schedule();
    }, problem, state);
  state.form = form;
  form.judgeAll = EMBED;      // until Python is there to check the reader's edits
  data.showBuiltin(schema.builtin);
  $("data-controls").addEventListener("input", () => state.edit(dataPatch(), "typing"));
  $("data-controls").addEventListener("change", () => state.edit(dataPatch(), "commit"));
  // A state from outside (a link, the kept settings, Vary, a loaded model) is checked by Python and its data previewed.
  on("state", ({ from }) => { if (from !== "page" && from !== "model") { checks.schedule(); checks.preview(); } });
  share = new ShareLink({ description, state, embed: EMBED, onHash: (hash) => embedView?.linkTo(hash),
    onExperiment: (name) => experiments.open(name, { embed: EMBED, scroll: !EMBED }) });
  linkHadSettings = location.hash.length > 1;
  await share.start();
  if (!EMBED) {
    const defaults = Object.fromEntries(schema.fields.map((field) => [field.name, field.default]));
    modelKeeper = new ModelKeeper({ request: ask, defaults, lastModel,
      adopt: (summary, events, loaded) => runControl.adopt(summary, events, loaded),
      saveNow: () => runControl.keepLastModel(undefined, { quiet: false }),
      currentData: () => data.current().data, readSettings: () => toStored(state.get()),
      applySettings: (saved) => {
        const kept = fromStored(description, saved);
        if (!kept) return;
        share.showNotice(kept.ignored, false, "stored");
        state.show({ ...kept.state, experiment: state.get().experiment }, { from: "stored" });
      },
      runs: () => runKeeper.runs, applyRuns: (kept) => runKeeper.load(kept) });
    on("state", ({ from }) => { if (["page", "vary", "model"].includes(from)) modelKeeper.settingsChanged(); });
  }
  refresh();
}

// "Vary this run": its settings and data go back into the form (the sampling settings stay as they are); the reader
// changes one thing and trains again.
function vary(run) {
  state.withModel(run.config,
    { from: "vary", data: { source: run.data.source, text: run.data.text ?? "" }, edited: run.edited });
  $("settings-title").scrollIntoView({ block: "start" });
}

// The full page adopts the worker python/early-start-control.js started; the embed widget starts one only when the
// reader presses Train (no Python download before).
// The browser may refuse the worker outright (a frame with no origin, see boot.js): that is said, not thrown.
function startWorker() {
  loadingView.restart();
  try {
    client = new WorkerClient(WORKER_URL, handlers,
      { early: takeEarlyWorker(), startRetryDelaysMs: START_RETRY_DELAYS_MS });
  } catch (error) {
    loadingView.failed(`the browser refused to start its worker here (${error.message})`);
  }
  setPhase("loading");
}

// The page has started: from here on boot.js no longer shows an uncaught error as a start-up failure. The full page
// has started once Python is ready and what this browser keeps is back; the embed widget once its form is built (it
// starts Python only when Train is pressed).
const started = () => window.dispatchEvent(new Event("microgpt:started"));

function main() {
  formBuilt = buildForm().catch((error) => loadingView.failed(`the settings could not be loaded (${error.message})`))
    .finally(() => { formSettled = true; });
  if (EMBED) formBuilt.then(started);
  if (EMBED) $("loading").hidden = true;
  else startWorker();
  $("edit-stuck-stop").addEventListener("click", () => client?.stopEdit());
  $("loading-retry").addEventListener("click", () => {
    loadingView.restart();
    refresh();
    client?.retry();
  });
  $("train").addEventListener("click", () => runControl.train());
  // One button: Pause while training, Resume when paused (its name says which). Train both's other run pauses,
  // resumes and stops with the page's run, and alone once the page's run has ended (base/phases.js's `tail`).
  const pageRunOver = () => ["idle", "stopped", "done"].includes(phase);
  $("pause").addEventListener("click", () => {
    if (pageRunOver()) both?.companion === "paused" ? both.resume() : both?.pause();
    else if (phase === "paused") {
      runControl.continueTraining();
      both?.resume();
    } else {
      runControl.halt("pause");
      both?.pause();
    }
    refresh();
  });
  $("step-once").addEventListener("click", () => runControl.stepOnce());
  $("stop").addEventListener("click", () => {
    if (!pageRunOver()) runControl.halt("stop");
    both?.stop();
    refresh();
  });
  $("train-both")?.addEventListener("click", trainBoth);
  $("reset").addEventListener("click", () => runControl.reset());
  // Not a #fragment link: the page's hash holds its settings.
  $("to-data").addEventListener("click", () => {
    $("data-title").scrollIntoView({ block: "start" });
    $("data-title").focus({ preventScroll: true });
  });
  $("sampling").addEventListener("submit", (event) => runControl.generate(event));
  $("settings").addEventListener("submit", (event) => event.preventDefault());
  // "Train again on every change": a teaching setting changed while no run trains retrains once it has settled
  // (run/ghost.js's AUTO_TRAIN_MS; the run before stays as the ghost).
  let autoTimer = 0;
  const autoTrain = () => {
    clearTimeout(autoTimer);
    if (!$("auto-train").checked) return;
    autoTimer = setTimeout(function attempt() {
      if (!retrainNow(phase, $("auto-train").checked)) return;
      if ($("train").disabled || checks.scheduled) autoTimer = setTimeout(attempt, 200);   // Python still checking
      else runControl.train();
    }, AUTO_TRAIN_MS);
  };
  for (const type of ["input", "change"]) $("settings").addEventListener(type, autoTrain);
  // Leaving while a run trains: the browser asks first (what was saved in the last few seconds comes back on return).
  if (!EMBED) {
    window.addEventListener("beforeunload", (event) => {
      if (!isRunning(phase)) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }
}

// A read-only window for the end-to-end tests and for curious readers in the console.
window.__microgpt = {
  get phase() { return phase; },
  get losses() { return runControl.events.map((event) => event.loss); },
  get events() { return runControl.events; },
  get samples() { return runControl.samples; },
  get sampleCount() { return runControl.sampleCount; },
  get idle() {
    return formSettled && !checks.scheduled && inFlight === 0 && runControl.sampling === 0 && !data.busy() &&
      !share?.busy() && !modelKeeper?.busy();
  },
  get summary() { return runControl.summary; },
  get runData() { return runControl.runData; },
  get latest() { return lastModel.copy; },
  get edited() { return codePanel?.edited ?? false; },
  get client() { return client; },
  get timings() { return runControl.timings; },
  get startup() { return startup; },
  get chart() { return chart.summary(); },
  get chartData() { return chart.plot?.data.map((series) => [...series]) ?? null; },
  get runs() { return runKeeper?.runs ?? []; },
  get insight() { return insight ? { drawn: { ...insight.drawn }, drawMs: { ...insight.drawMs } } : null; },
  get lastModelStep() { return lastModel.step; },
  get chartColors() { return chart.colors; },
  get experiment() { return experiments.summary(); },
  get compareMarks() { return runKeeper?.view.marks ?? []; },
  get both() { return both?.summary() ?? null; },
};

main();
