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
