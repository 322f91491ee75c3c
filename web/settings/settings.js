// The settings, described. What they are (names, kinds, defaults, ranges, help, group) comes from Python through
// the `schema` reply (schema.json): Config's fields, and the request fields that are not Config (the sampling seed;
// the data source, which the Data panel draws); the page's own two settings (theme, editable) are described here,
// alike. A new field shows up by itself; this file only adds presentation (a label, and whether a field is shown
// outside "All settings"), the one spelling of numbers and the words for a range. The form is settings-view.js.
// The settings a learner changes first (TEACHING) are drawn as sliders over a few marks, beside a box that takes any
// value Python accepts; the rest sit under "All settings".

import { TEMPERATURES } from "../insight/insight.js";

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

// The teaching controls: a slider's marks (the default is added when missing and marked) and one short line of help;
// the range and the long help are the field's tooltip. In the order they appear.
export const TEACHING = {
  block_size: { marks: [2, 4, 8, 16, 32, 64], help: "how many characters it sees at once" },
  learning_rate: { marks: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3], help: "how big each update is" },
  n_embd: { marks: [4, 8, 16, 32, 64], help: "how many numbers stand for each character" },
  n_layer: { marks: [1, 2, 3, 4], help: "transformer blocks, one on top of the other" },
  num_steps: { marks: [100, 300, 1000, 3000, 10000], help: "one name per step" },
  temperature: { marks: TEMPERATURES, labelled: [0.1, 0.2, 0.5, 1, 2, 3],
    help: "low: safe, common names; high: stranger ones" },
};

// A teaching setting's marks: those inside its range, with its default, in increasing order.
export function teachingMarks({ name, default: fallback, min, max, min_open: minOpen }) {
  const inside = (value) => (min === null || min === undefined || (minOpen ? value > min : value >= min))
    && (max === null || max === undefined || value <= max);
  return [...new Set([...TEACHING[name].marks, fallback])].filter(inside).sort((a, b) => a - b);
}

// Whether a mark is written under the slider (every mark is ticked): a long scale names only some; the default always.
export const labelled = ({ name, default: fallback }, value) =>
  value === fallback || (TEACHING[name].labelled ?? TEACHING[name].marks).includes(value);

// The mark nearest a value (by ratio when all are positive: the marks are about log-spaced), or null for text that
// is not a number.
export function nearestMark(marks, value) {
  if (!Number.isFinite(value)) return null;
  const distance = (mark) => (mark > 0 && value > 0 ? Math.abs(Math.log(mark / value)) : Math.abs(mark - value));
  let best = 0;
  for (let i = 1; i < marks.length; i++) if (distance(marks[i]) < distance(marks[best])) best = i;
  return best;
}

// Settings of the page rather than of a run (group "page"), described like the schema's and chosen in the Share card
// for the link being made: its colours (boot.js applies them before the first paint) and, for an embed, the settings
// its readers may change (the lesson its author invites: "change the learning rate and see what shifts"; by default
// the learning rate and the context length), ticked among the settings a learner changes first (`offered`, in the
// order the boxes are shown and the names written). Python never sees them.
const PAGE_SETTINGS = [
  { name: "theme", kind: "choice", default: "auto", choices: ["auto", "light", "dark"], group: "page",
    label: "Colours", help: "auto follows the reader's system" },
  { name: "editable", kind: "names", default: "learning_rate,block_size", group: "page",
    label: "Readers of the embed may change", help: "the others are shown read-only",
    offered: ["learning_rate", "block_size", "n_embd", "n_layer", "n_head", "num_steps", "temperature", "prefix",
      "num_samples"] },
];

// Every setting the schema describes and the page's own, with their presentation: what the form, the link and the
// embed list are made from. `editable` may name any setting of a run (not the data source: the link carries it).
export function settingSpecs(schema) {
  const specs = [...schema.fields, ...schema.request_fields].map((spec) => ({
    ...spec, label: PRESENTATION[spec.name]?.label ?? spec.name, main: PRESENTATION[spec.name]?.main ?? false,
    teach: spec.name in TEACHING,
  }));
  const runSettings = specs.filter((spec) => spec.group !== "data").map((spec) => spec.name);
  const labels = Object.fromEntries(specs.map((spec) => [spec.name, spec.label]));
  return [...specs, ...PAGE_SETTINGS.map((spec) => (spec.kind === "names" ? { ...spec, choices: runSettings, labels,
    offered: spec.offered.filter((name) => runSettings.includes(name)) } : spec))];
}

// The names an `editable` text lists (its value has passed the hash's rules, so every name is known).
export function editableNames(text) {
  return (text ?? "").split(",").map((name) => name.trim()).filter(Boolean);
}

// The `editable` text for the ticked names: the offered ones in their order, then any other a link named.
export function editableText(names, offered) {
  const ticked = new Set(names);
  return [...offered.filter((name) => ticked.has(name)), ...names.filter((name) => !offered.includes(name))].join(",");
}

export const isSampling = (spec) => spec.group === "sampling";
export const isPage = (spec) => spec.group === "page";
// Where a field is drawn: the containers SettingsForm is given (the teaching settings of the model up front, the others
// under "All settings").
export const place = (spec) => (isPage(spec) ? "share" : isSampling(spec) ? "sampling" : spec.teach ? "main" : "more");

// The form's order: the teaching settings first, as TEACHING lists them, then the others as the schema does.
export function formOrder(specs) {
  const rank = (spec) => (spec.teach ? Object.keys(TEACHING).indexOf(spec.name) : Infinity);
  return specs.map((spec, i) => [spec, i]).sort(([a, i], [b, j]) => rank(a) - rank(b) || i - j).map(([spec]) => spec);
}

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
  if (kind === "names") return `comma-separated, from ${choices.join(", ")}`;
  if (min === null || min === undefined || max === null || max === undefined) return "";
  return minOpen ? `above ${min}, at most ${max}` : `${min} to ${max}`;
}
