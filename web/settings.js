// The settings form. What the settings are (names, kinds, defaults, ranges, help) comes from Python's Config through
// the `schema` reply, so a new Config field shows up here by itself; this file only adds presentation: a label and
// which panel a field sits in. Values are sent to Python as typed, and Python's `check` is the one validator.

const PRESENTATION = {
  n_embd: { label: "Embedding width", panel: "main" },
  n_head: { label: "Attention heads", panel: "main" },
  n_layer: { label: "Layers", panel: "main" },
  block_size: { label: "Context length", panel: "main" },
  learning_rate: { label: "Learning rate", panel: "main" },
  num_steps: { label: "Training steps", panel: "main" },
  seed: { label: "Seed", panel: "main" },
  engine: { label: "Engine", panel: "main" },
  init_std: { label: "Initial weight scale" },
  beta1: { label: "Adam β1" },
  beta2: { label: "Adam β2" },
  adam_eps: { label: "Adam ε" },
  holdout_fraction: { label: "Held-out share" },
  eval_every: { label: "Evaluate every" },
  eval_docs: { label: "Held-out documents" },
  num_samples: { label: "How many", panel: "sampling" },
  temperature: { label: "Temperature", panel: "sampling" },
  prefix: { label: "Starts with", panel: "sampling" },
};

// The page's own settings, described like Config's fields so that the form, the hash and its validation treat all
// settings alike. The sampling seed is a property of one Generate click, not of the model, so it is not in Config
// (Python's `sample` still validates it); the data source is drawn by the Data panel, not by this form.
export const SAMPLE_SEED = {
  name: "sample_seed", kind: "int", default: 1, min: 0, max: 2 ** 32 - 1, group: "sampling",
  help: "same seed, same names", label: "Sample seed", panel: "sampling",
};
export const DATA_SOURCE = {
  name: "data", kind: "choice", default: "builtin", choices: ["builtin", "text"], group: "data",
  help: "the built-in names, or your own text (pasted or uploaded)", label: "Data", panel: null,
};
export const PAGE_SETTINGS = [SAMPLE_SEED, DATA_SOURCE];

export function rangeText({ kind, min, max, min_open: minOpen, choices }) {
  if (kind === "choice") return `one of ${choices.join(", ")}`;
  if (min === null || min === undefined || max === null || max === undefined) return "";
  return minOpen ? `above ${min}, at most ${max}` : `${min} to ${max}`;
}

function fieldRow(spec) {
  const id = `setting-${spec.name}`;
  const row = document.createElement("div");
  row.className = "field";
  row.dataset.field = spec.name;

  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = spec.label;
  const code = document.createElement("code");
  code.textContent = spec.name;
  label.append(" ", code);

  let input;
  if (spec.kind === "choice") {
    input = document.createElement("select");
    for (const choice of spec.choices) input.add(new Option(choice, choice));
  } else {
    input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.spellcheck = false;
    if (spec.kind === "int") input.inputMode = "numeric";
    if (spec.kind === "float") input.inputMode = "decimal";
  }
  input.id = id;
  input.name = spec.name;
  input.value = String(spec.default);

  const help = document.createElement("small");
  help.id = `${id}-help`;
  help.className = "help";
  const facts = [spec.help, rangeText(spec), spec.default === "" ? "" : `default ${spec.default}`];
  help.textContent = facts.filter(Boolean).join(" · ");

  const error = document.createElement("small");
  error.id = `${id}-error`;
  error.className = "field-error";
  error.setAttribute("role", "alert");
  error.hidden = true;

  input.setAttribute("aria-describedby", `${help.id} ${error.id}`);
  row.append(label, input, help, error);
  return { row, input, error };
}

export class SettingsForm {
  // containers: {main, more, sampling} fieldsets; onInput() is called after any edit.
  constructor(fields, containers, onInput) {
    this.specs = [...fields, ...PAGE_SETTINGS.filter((setting) => setting.panel)].map((field) => ({
      ...field,
      ...(PRESENTATION[field.name] ?? {}),
      label: PRESENTATION[field.name]?.label ?? field.label ?? field.name,
      panel: PRESENTATION[field.name]?.panel ?? field.panel ?? (field.group === "sampling" ? "sampling" : "more"),
    }));
    this.controls = new Map();
    for (const spec of this.specs) {
      const control = fieldRow(spec);
      containers[spec.panel].append(control.row);
      control.input.addEventListener("input", () => onInput(spec.name));
      this.controls.set(spec.name, { ...control, spec });
    }
  }

  // Every Config field: numbers where the text is one, else the text itself, so that Python's message names
  // exactly what was typed. The sample seed is not Config.
  config() {
    const values = {};
    for (const name of this.controls.keys()) if (name !== SAMPLE_SEED.name) values[name] = this.value(name);
    return values;
  }

  value(name) {
    const { input, spec } = this.controls.get(name);
    const text = input.value;
    const numeric = spec.kind === "int" || spec.kind === "float";
    return numeric && text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
  }

  // The text of every field as typed, by name (what the URL hash is written from).
  texts() {
    return Object.fromEntries([...this.controls].map(([name, { input }]) => [name, input.value]));
  }

  // Show these texts; a field not named gets its default (restoring a link or a history entry).
  setTexts(texts) {
    for (const [name, { input, spec }] of this.controls) input.value = texts[name] ?? String(spec.default);
  }

  // errors: {field: message} from Python. Returns the messages that belong to no field on the form.
  showErrors(errors) {
    const unplaced = [];
    for (const [name, { input, error }] of this.controls) {
      const message = errors[name];
      error.textContent = message ?? "";
      error.hidden = !message;
      input.setAttribute("aria-invalid", message ? "true" : "false");
    }
    for (const [name, message] of Object.entries(errors)) if (!this.controls.has(name)) unplaced.push(message);
    return unplaced;
  }

  // Settings of a running model cannot change under it; sampling settings stay editable.
  setEnabled(panels, enabled) {
    for (const { input, spec } of this.controls.values()) if (panels.includes(spec.panel)) input.disabled = !enabled;
  }

  hasErrors(panels) {
    return [...this.controls.values()].some(({ error, spec }) => panels.includes(spec.panel) && !error.hidden);
  }
}
