// The settings form. What the settings are (names, kinds, defaults, ranges, help, group) comes from Python through
// the `schema` reply (schema.json): Config's fields, and the request fields that are not Config (the sampling seed;
// the data source, which the Data panel draws). A new field shows up here by itself; this file only adds presentation:
// a label, and whether a field is shown outside "More settings". Values are sent to Python as typed, and Python's
// `check` is the one validator.

const PRESENTATION = {
  n_embd: { label: "Embedding width", main: true },
  n_head: { label: "Attention heads", main: true },
  n_layer: { label: "Layers", main: true },
  block_size: { label: "Context length", main: true },
  learning_rate: { label: "Learning rate", main: true },
  num_steps: { label: "Training steps", main: true },
  seed: { label: "Seed", main: true },
  engine: { label: "Engine", main: true },
  init_std: { label: "Initial weight scale" },
  beta1: { label: "Adam β1" },
  beta2: { label: "Adam β2" },
  adam_eps: { label: "Adam ε" },
  holdout_fraction: { label: "Held-out share" },
  eval_every: { label: "Evaluate every" },
  eval_docs: { label: "Held-out documents" },
  num_samples: { label: "How many" },
  temperature: { label: "Temperature" },
  prefix: { label: "Starts with" },
  sample_seed: { label: "Sample seed" },
};

// Every setting the schema describes, with its presentation: what the form, the link and the embed list are made from.
export function settingSpecs(schema) {
  return [...schema.fields, ...schema.request_fields].map((spec) => ({
    ...spec, label: PRESENTATION[spec.name]?.label ?? spec.name, main: PRESENTATION[spec.name]?.main ?? false,
  }));
}

const isSampling = (spec) => spec.group === "sampling";

// The one spelling of numbers, shared with Python (microgpt/config.py NUMBER): decimal digits with an optional sign,
// point and exponent. Number() alone would also take "0x10", "0b1" and "" (as 0), which Python refuses.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

// The number `text` spells (surrounding white space allowed), or NaN.
export function parseNumber(text) {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : NaN;
}

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
  // schema: Python's `schema` reply; containers: {main, more, sampling} fieldsets; onInput() is called after any edit.
  // The sampling group's fields go to `sampling`, the others to `main` or `more`; the data group is the Data panel's.
  constructor(schema, containers, onInput) {
    this.configNames = schema.fields.map((field) => field.name);
    this.specs = settingSpecs(schema).filter((spec) => spec.group !== "data");
    this.controls = new Map();
    for (const spec of this.specs) {
      const control = fieldRow(spec);
      containers[isSampling(spec) ? "sampling" : spec.main ? "main" : "more"].append(control.row);
      control.input.addEventListener("input", () => onInput(spec.name));
      this.controls.set(spec.name, { ...control, spec });
    }
  }

  // Every Config field: numbers where the text is one, else the text itself, so that Python's message names
  // exactly what was typed.
  config() {
    return Object.fromEntries(this.configNames.map((name) => [name, this.value(name)]));
  }

  // The sampling group's fields, as the `sample` request takes them.
  sampling() {
    return Object.fromEntries(this.specs.filter(isSampling).map(({ name }) => [name, this.value(name)]));
  }

  value(name) {
    const { input, spec } = this.controls.get(name);
    const text = input.value;
    const numeric = spec.kind === "int" || spec.kind === "float";
    return numeric && Number.isFinite(parseNumber(text)) ? parseNumber(text) : text;
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
  setLocked(locked) {
    for (const { input, spec } of this.controls.values()) if (!isSampling(spec)) input.disabled = locked;
  }

  // Whether Python found a problem in the sampling settings (sampling: true) or in the model's (false).
  hasErrors({ sampling }) {
    return [...this.controls.values()].some(({ error, spec }) => isSampling(spec) === sampling && !error.hidden);
  }
}
