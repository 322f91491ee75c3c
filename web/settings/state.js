// The page's state, described once (like TensorFlow Playground's state.ts): what the page holds that a link, this
// browser's storage and the embed widget carry, and how each of them reads and writes it. The form, the Data panel,
// the URL hash (share-control.js), IndexedDB (keep/keep-control.js) and the embed (embed-view.js) all go through it;
// state-control.js holds the current one. Pure: no DOM, no storage.
//
// A state is {values, text, experiment}:
//   values      {name: text} for every setting (settings.js: Config's fields, the request fields, the data `source`,
//               the page's `theme` and the embed's `editable` fields), as typed: Python's `check` judges them later.
//   text        the reader's own data when `values.source` is "text" (pasted, or an uploaded file's text), else "".
//   experiment  the ready experiment the page shows (learn/experiments.js names it), or null.
// Where each part travels:
//   part        hash (#…)                       IndexedDB ("settings" entry)   embed
//   a setting   name=value when not its default  {values}                      shown read-only, or a field if editable
//   text        text= (deflate, base64url)       {text}                        "pasted text"
//   experiment  experiment=NAME                  no (a visit's choice)         the widget shows only it
// Reading never throws and never keeps a bad value: whatever cannot be used is listed as [what, why] (the page's
// notice shows the list) and the default stands in its place.

import { decode, encode, EMBED, EXPERIMENT, isDefault, problem } from "./hash.js";
import { editableNames, parseNumber, settingSpecs } from "./settings.js";

// The state's own description: every setting's spec (settings.js), by name.
export function describe(schema) {
  const specs = settingSpecs(schema);
  return { specs, byName: new Map(specs.map((spec) => [spec.name, spec])) };
}

export function defaults({ specs }) {
  return { values: Object.fromEntries(specs.map((spec) => [spec.name, String(spec.default)])), text: "",
    experiment: null };
}

// A setting's value as the page sends it to Python: a number where the text spells one, else the text itself, so
// that Python's message names exactly what was typed.
export function valueOf(spec, text) {
  const numeric = spec.kind === "int" || spec.kind === "float";
  return numeric && Number.isFinite(parseNumber(text)) ? parseNumber(text) : text;
}

// The values of these settings (names), as Python takes them.
export function valuesOf(description, state, names) {
  return Object.fromEntries(names.map((name) => [name, valueOf(description.byName.get(name), state.values[name])]));
}

// The state with `partial` laid over the defaults, each value judged by its spec: a bad or unknown one is listed in
// `ignored` and its default kept. Used for everything read from outside the page's own form (storage, a link's values).
export function normalise(description, { values = {}, text = "", experiment = null } = {}) {
  const state = defaults(description);
  const ignored = [];
  for (const [name, value] of Object.entries(values ?? {})) {
    const spec = description.byName.get(name);
    if (!spec) ignored.push([typeof value === "string" ? `${name}=${value}` : name, "unknown setting"]);
    else if (typeof value !== "string") ignored.push([`${name}=${String(value)}`, "not text"]);
    else {
      const why = problem(spec, value);
      if (why) ignored.push([`${name}=${value}`, why]);
      else state.values[name] = value;
    }
  }
  if (typeof text !== "string") ignored.push(["text", "not text"]);
  else if (text && state.values.source !== "text") ignored.push(["text", "data without source=text"]);
  else state.text = state.values.source === "text" ? text : "";
  state.experiment = typeof experiment === "string" ? experiment : null;
  return { state, ignored };
}

// What travels: own data not given yet (Paste chosen, nothing pasted) is the built-in data, so a link or a reload
// never asks for data that never was.
function shared(state) {
  const own = state.values.source === "text" && state.text !== "";
  return { values: { ...state.values, source: own ? "text" : "builtin" }, text: own ? state.text : "" };
}

// --- the URL hash ---

// hash: the page's fragment (with or without "#"). Returns {state, ignored, embed, textMissing}; textMissing: the
// link was made with data too large to travel in it (its `source` is text, its `text` absent).
export async function fromHash(description, hash) {
  const decoded = await decode(description.specs, hash);
  const state = defaults(description);
  Object.assign(state.values, decoded.values);
  state.text = decoded.text ?? "";
  state.experiment = decoded.experiment;
  const textMissing = decoded.values.source === "text" && !decoded.textSent;
  return { state, ignored: decoded.ignored, embed: decoded.embed, textMissing };
}

// The state's settings as a hash (without "#", the embed flag or the experiment: linkHash adds them).
// Returns {hash, textIncluded, textSize} (hash.js encode).
export function settingsHash(description, state) {
  const { values, text } = shared(state);
  return encode(description.specs, values, text);
}

// The page's whole hash: the embed flag, the experiment, the settings.
export function linkHash(settings, { embed = false, experiment = null } = {}) {
  return [embed ? EMBED : "", experiment === null ? "" : `${EXPERIMENT}=${encodeURIComponent(experiment)}`, settings]
    .filter(Boolean).join("&");
}

// --- IndexedDB ---

// The "settings" entry this browser keeps: {values, text} (the shape pages before state.js kept, so old entries read).
export function toStored(state) {
  return shared(state);
}

// A kept entry, judged like a link (storage is outside the page: another version of it, or another hand, wrote it).
// Returns {state, ignored}, or null when the entry is not an object at all.
export function fromStored(description, saved) {
  if (saved === null || typeof saved !== "object" || Array.isArray(saved)) return null;
  const values = saved.values !== null && typeof saved.values === "object" && !Array.isArray(saved.values) ?
    saved.values : {};
  return normalise(description, { values, text: saved.text ?? "" });
}

// --- the embed ---

const ALWAYS_SHOWN = ["num_samples", "temperature"];   // besides the main settings: what a reader of the samples asks

// What the embed widget shows of a state: the settings its readers may change (`editable`, specs of run settings)
// and, read-only, the others a reader needs ([label, value] rows: the data, the main settings, the samples', and
// any setting not at its default).
export function embedOf(description, state) {
  const names = editableNames(state.values.editable);
  const specs = description.specs.filter((spec) => spec.group !== "data");
  const editable = specs.filter((spec) => names.includes(spec.name) && spec.group !== "page");
  const rows = [["Data", state.values.source === "text" ? "pasted text" : "built-in names"]];
  for (const spec of specs) {
    if (spec.group === "page" || names.includes(spec.name)) continue;
    const text = state.values[spec.name] ?? String(spec.default);
    if (spec.main || ALWAYS_SHOWN.includes(spec.name) || !isDefault(spec, text)) {
      rows.push([spec.label, text === "" ? "(none)" : text]);
    }
  }
  return { editable, rows };
}
