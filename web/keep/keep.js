// Keeping and moving a model, with no DOM: the file name a downloaded checkpoint gets, what the page says after a
// load or a restore, what it says when the browser will not store anything, and what a kept model is stored as.
// The Model card (keep-view.js) and the store (store-control.js) only carry out what this decides.

// Settings that shape a model are named in the file even at their defaults, so that two files tell apart at a glance.
const ALWAYS_NAMED = ["n_embd"];
const IGNORED = new Set(["num_samples", "temperature", "prefix"]);   // sampling does not change the model

// "microgpt-n_embd16-step1000.json": the model's size, every other training setting that differs from its default,
// "edited" for a model trained with edited code, and the step. defaults: {name: default value} from the schema.
export function checkpointFileName(config, step, defaults, { edited = false } = {}) {
  const parts = ["microgpt"];
  for (const [name, value] of Object.entries(config)) {
    if (IGNORED.has(name)) continue;
    if (ALWAYS_NAMED.includes(name) || (name in defaults && defaults[name] !== value)) {
      parts.push(`${name}${String(value).replace(/[^A-Za-z0-9.+-]/g, "_")}`);
    }
  }
  if (edited) parts.push("edited");
  parts.push(`step${step}`);
  return `${parts.join("-")}.json`;
}

// What the IndexedDB record of the latest model holds: the checkpoint as the CLI writes it, and what the page needs
// to say about it without parsing it; phase: the page's phase then (a stopped run comes back stopped), or null.
export function keptModel({ checkpoint, info, savedAt = Date.now(), origin = "trained here", phase = null }) {
  return {
    checkpoint, savedAt, origin, step: info.step, numSteps: info.config.num_steps, edited: Boolean(info.edited),
    dataDescription: info.data_description ?? "", phase,
  };
}

export function formatWhen(time, now = Date.now()) {
  const date = new Date(time);
  const clock = date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  if (new Date(now).toDateString() === date.toDateString()) return `today at ${clock}`;
  return `${date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" })} at ${clock}`;
}

const stepText = (step, numSteps) => `step ${step.toLocaleString("en")} of ${numSteps.toLocaleString("en")}`;

// The notice after a reload brought the kept model back.
export function restoredNotice(kept, now = Date.now()) {
  const edited = kept.edited ? ", trained with edited code" : "";
  return `Restored your model from ${formatWhen(kept.savedAt, now)} (${stepText(kept.step, kept.numSteps)}${edited}).`;
}

// What a loaded model can do: sample always; resume only with its own data, which is named when it is missing.
export function loadedStatus(info, fileName) {
  const from = fileName ? `Loaded ${fileName}: ` : "";
  const where = `${from}${stepText(info.step, info.config.num_steps)}. It samples now.`;
  if (info.step >= info.config.num_steps) return `${where} Its training is complete.`;
  if (info.resumable) return `${where} Resume continues its training.`;
  return `${where} To resume training, choose the data it was trained on: ${info.data_description || "(not recorded)"}.`;
}

// Why nothing can be stored, in words, from the DOMException (or its absence) the browser gave.
export function storageProblem(error) {
  const name = error?.name ?? "";
  if (name === "QuotaExceededError") {
    return "This browser's storage for this page is full, so your model and runs are not kept after a reload.";
  }
  if (name === "SecurityError" || name === "InvalidStateError") {
    return "This browser does not let the page store data here (a private window or blocked storage), so your " +
      "model and runs are not kept after a reload. Download the model to keep it.";
  }
  const detail = error?.message ? ` (${error.message})` : "";
  return `Storage is not available in this browser${detail}, so your model and runs are not kept after a reload. ` +
    "Download the model to keep it.";
}

// A dropped or picked file must look like a checkpoint before it is read: a JSON file, of a size a checkpoint can
// have (the largest model allowed, 2,000,000 parameters, stores three numbers per parameter as JSON text).
export const MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024;
export function checkpointFileProblem({ name, size }) {
  if (!/\.json$/i.test(name)) return `${name}: not a checkpoint file; choose a .json file saved by Download or the CLI`;
  if (size > MAX_CHECKPOINT_BYTES) {
    return `${name}: ${size.toLocaleString("en")} bytes is more than any microgpt checkpoint takes ` +
      `(at most ${MAX_CHECKPOINT_BYTES.toLocaleString("en")} bytes)`;
  }
  return null;
}

// ---- What IndexedDB holds, and what of it can be trusted ----
// One entry per thing, so that two tabs add to it instead of overwriting each other: "settings", "run:<key>" for each
// kept run (runs/runs.js's record; the key names the tab that made it), and "model:<tab>" for each tab's latest model
// (keptModel() plus its curve). Older pages kept the whole run list under "runs" and one model under "model"; those
// are read too, and replaced. Every entry is checked when read: one that is not what this page writes is dropped
// (and deleted), said once, and the rest restored.
export const RUN_PREFIX = "run:";
export const MODEL_PREFIX = "model:";
export const LEGACY = { runs: "runs", model: "model" };
export const MAX_MODELS = 3;        // tabs whose latest models are kept (a model may be megabytes)

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const isNumber = (value) => typeof value === "number";          // NaN and ±Infinity too: a diverged run's last loss
const isWhole = (value, least = 0) => Number.isSafeInteger(value) && value >= least;
const isText = (value) => typeof value === "string";
const orNull = (check) => (value) => value === null || check(value);

// Why a kept run is not one this page can show (a sentence for the console), or null when it is.
export function runProblem(run) {
  if (!isObject(run)) return "not a record";
  const checks = {
    id: (v) => isWhole(v, 1), key: (v) => isText(v) && v.length > 0 && v.length <= 200,
    config: (v) => isObject(v) && isWhole(v.num_steps, 1)
      && Object.values(v).every((x) => isNumber(x) || isText(x) || typeof x === "boolean" || x === null),
    data: (v) => isObject(v) && ["builtin", "text"].includes(v.source) && isText(v.description) && isText(v.fingerprint)
      && (v.source === "builtin" || isText(v.text)),
    vocab_size: orNull((v) => isWhole(v, 1)),
    curve: (v) => Array.isArray(v) && v.every((point) => Array.isArray(point) && point.length === 3
      && isWhole(point[0], 0) && orNull(isNumber)(point[1]) && orNull(isNumber)(point[2])),
    samples: (v) => Array.isArray(v) && v.every(isText),
    duration_s: isNumber, final_loss: orNull(isNumber), final_holdout: orNull(isNumber), command: orNull(isText),
    diverged: (v) => typeof v === "boolean", edited: (v) => typeof v === "boolean", finished_at: Number.isFinite,
  };
  for (const [field, check] of Object.entries(checks)) {
    if (!check(run[field])) return `its ${field} is ${run[field] === undefined ? "missing" : "not usable"}`;
  }
  return null;
}

// Why a kept model cannot be restored (Python still judges the checkpoint itself), or null.
export function modelProblem(model) {
  if (!isObject(model)) return "not a record";
  const checks = {
    checkpoint: (v) => isText(v) && v.length > 0, savedAt: Number.isFinite, step: (v) => isWhole(v, 0),
    numSteps: (v) => isWhole(v, 1), edited: (v) => typeof v === "boolean", dataDescription: isText,
    events: (v) => v === undefined || (Array.isArray(v) && v.every((event) => isObject(event)
      && isWhole(event.step, 0) && isNumber(event.loss) && orNull(isNumber)(event.holdout_loss ?? null))),
    startedAt: (v) => v === undefined || Number.isFinite(v),
  };
  for (const [field, check] of Object.entries(checks)) {
    if (!check(model[field])) return `its ${field} is ${model[field] === undefined ? "missing" : "not usable"}`;
  }
  return null;
}

// The page's settings as settings/state.js stores them, or why not.
export function settingsProblem(settings) {
  // Each value is judged by settings/state.js's fromStored, like a link's (a bad one falls back to its default).
  return isObject(settings) ? null : "not a record of settings";
}

// Sort what was read into what can be used and what must go. entries: [[key, value]…] as IndexedDB holds them.
// Returns {settings, runs, models: [[key, model]…], bad: [[key, kind, problem]…], legacy: keys to delete once
// rewritten}; kind: "settings", "run", "model" or "entry".
export function readKept(entries) {
  const kept = { settings: undefined, runs: [], models: [], bad: [], legacy: [] };
  const run = (key, value) => {
    const problem = runProblem(value);
    if (problem) kept.bad.push([key, "run", problem]);
    else kept.runs.push(value);
  };
  for (const [key, value] of entries) {
    if (key === "settings") {
      const problem = settingsProblem(value);
      if (problem) kept.bad.push([key, "settings", problem]);
      else kept.settings = value;
    } else if (key.startsWith(RUN_PREFIX)) {
      run(key, value);
    } else if (key === LEGACY.runs) {
      kept.legacy.push(key);
      if (!Array.isArray(value)) kept.bad.push([key, "run", "the old run list is not a list"]);
      // The old list's records had no key: their number names them.
      else for (const record of value) run(key, isObject(record) ? { ...record, key: record.key ?? `legacy/${record.id}` }
        : record);
    } else if (key === LEGACY.model || key.startsWith(MODEL_PREFIX)) {
      const problem = modelProblem(value);
      if (problem) kept.bad.push([key, "model", problem]);
      else kept.models.push([key, value]);
    } else {
      kept.bad.push([key, "entry", "not an entry this page writes"]);
    }
  }
  return kept;
}

// The model a page restores: its own tab's (a reload), else the newest any tab kept (a new tab). models: [[key, m]…].
export function pickModel(models, tab) {
  const own = models.find(([key]) => key === `${MODEL_PREFIX}${tab}`);
  if (own) return own[1];
  return models.reduce((best, [, model]) => (!best || model.savedAt > best.savedAt ? model : best), null);
}

// The keys of kept models beyond the newest MAX_MODELS, once this tab's is written (never this tab's own).
export function modelsToDrop(models, tab, cap = MAX_MODELS) {
  const others = models.filter(([key]) => key !== `${MODEL_PREFIX}${tab}`)
    .sort(([, a], [, b]) => b.savedAt - a.savedAt);
  return others.slice(Math.max(0, cap - 1)).map(([key]) => key);
}

// The one notice after bad entries were dropped: how many, of what, and that the rest is restored.
export function droppedNotice(bad) {
  if (bad.length === 0) return null;
  const kinds = new Map(["run", "model", "settings", "entry"].map((kind) => [kind, 0]));
  for (const [, kind] of bad) kinds.set(kind, kinds.get(kind) + 1);
  for (const [kind, n] of kinds) if (n === 0) kinds.delete(kind);
  const NAMES = { run: ["run", "runs"], model: ["model", "models"], entry: ["entry", "entries"] };
  const parts = [...kinds].map(([kind, n]) => {
    if (kind === "settings") return "settings";
    const [one, many] = NAMES[kind];
    return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
  });
  // "1 run", "2 runs and the settings": what was dropped, as the notice names it.
  const what = parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0];
  return `This browser had kept ${what} that this page cannot read; ${bad.length === 1 ? "it was" : "they were"} ` +
    "dropped, and everything else is restored.";
}
