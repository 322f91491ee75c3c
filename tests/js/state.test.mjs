// The page's state (web/settings/state.js): one description that the hash, IndexedDB and the embed read and write
// through, where whatever cannot be used falls back to its default and is listed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { defaults, describe, embedOf, fromHash, fromStored, linkHash, normalise, settingsHash, toStored, valueOf }
  from "../../web/settings/state.js";

// A schema shaped like Python's (microgpt.session.Session.do_schema): Config's fields and the request fields.
const spec = (name, kind, extra) => ({ name, kind, default: null, min: null, max: null, min_open: false, choices: null,
  help: "", group: "model", ...extra });
const SCHEMA = {
  fields: [
    spec("n_embd", "int", { default: 16, min: 1, max: 512 }),
    spec("n_head", "int", { default: 4, min: 1, max: 64 }),
    spec("block_size", "int", { default: 16, min: 1, max: 256 }),
    spec("learning_rate", "float", { default: 0.01, min: 0, max: 1, min_open: true, group: "training" }),
    spec("beta1", "float", { default: 0.85, min: 0, max: 1, group: "training" }),
    spec("temperature", "float", { default: 0.5, min: 0, max: 5, min_open: true, group: "sampling" }),
  ],
  request_fields: [
    spec("source", "choice", { default: "builtin", choices: ["builtin", "text"], group: "data" }),
  ],
};
const D = describe(SCHEMA);

test("the description holds every setting, the data source and the page's own; defaults are their texts", () => {
  assert.deepEqual(D.specs.map((s) => s.name),
    ["n_embd", "n_head", "block_size", "learning_rate", "beta1", "temperature", "source", "theme", "editable"]);
  const state = defaults(D);
  assert.deepEqual(state, { values: { n_embd: "16", n_head: "4", block_size: "16", learning_rate: "0.01", beta1: "0.85",
    temperature: "0.5", source: "builtin", theme: "auto", editable: "learning_rate,block_size" }, text: "",
    experiment: null });
});

test("values go to Python as numbers where the text is one, else as typed", () => {
  assert.equal(valueOf(D.byName.get("n_embd"), " 24 "), 24);
  assert.equal(valueOf(D.byName.get("n_embd"), "0x10"), "0x10");
  assert.equal(valueOf(D.byName.get("theme"), "dark"), "dark");
});

test("a hash round-trips the state: settings off their default, the data, the experiment and the embed flag", async () => {
  const state = defaults(D);
  Object.assign(state.values, { learning_rate: "0.02", source: "text", theme: "dark", editable: "learning_rate" });
  state.text = "emma\nolivia\n";
  state.experiment = "temperature";
  const { hash, textIncluded } = await settingsHash(D, state);
  assert.equal(textIncluded, true);
  assert.match(hash, /^learning_rate=0.02&source=text&theme=dark&editable=learning_rate&text=[\w-]+$/);
  const full = linkHash(hash, { embed: true, experiment: state.experiment });
  assert.ok(full.startsWith("embed&experiment=temperature&learning_rate=0.02"));
  const back = await fromHash(D, `#${full}`);
  assert.deepEqual(back.state, state);
  assert.equal(back.embed, true);
  assert.deepEqual(back.ignored, []);
  assert.equal(linkHash("", {}), "", "all defaults: no hash at all");
});

test("a bad hash value falls back to its default and is listed with why", async () => {
  const { state, ignored } = await fromHash(D, "#n_embd=abc&n_head=0&seed=5&theme=pink&learning_rate=0.5");
  assert.equal(state.values.n_embd, "16");
  assert.equal(state.values.n_head, "4");
  assert.equal(state.values.theme, "auto");
  assert.equal(state.values.learning_rate, "0.5", "the valid values of a partly bad link are kept");
  assert.deepEqual(ignored.map(([what]) => what), ["n_embd=abc", "n_head=0", "seed=5", "theme=pink"]);
});

test("a link made with data too large to travel says so", async () => {
  const { state, textMissing } = await fromHash(D, "#source=text");
  assert.equal(state.values.source, "text");
  assert.equal(state.text, "");
  assert.equal(textMissing, true);
});

test("own data not given yet travels as the built-in data, in a link and in storage", async () => {
  const state = { ...defaults(D), text: "" };
  state.values = { ...state.values, source: "text", n_embd: "12" };
  assert.equal((await settingsHash(D, state)).hash, "n_embd=12");
  assert.equal(toStored(state).values.source, "builtin");
  const pasted = { ...state, text: "anna\nbob" };
  assert.deepEqual(toStored(pasted), { values: { ...pasted.values }, text: "anna\nbob" });
});

test("kept settings are judged like a link: bad, unknown or odd values fall back and are listed", () => {
  const saved = toStored({ ...defaults(D), values: { ...defaults(D).values, n_embd: "24" } });
  assert.equal(fromStored(D, saved).state.values.n_embd, "24");
  assert.deepEqual(fromStored(D, saved).ignored, []);
  const { state, ignored } = fromStored(D,
    { values: { n_embd: "9999", n_head: 2, layers: "3", temperature: "0.8", source: "builtin" }, text: "abc" });
  assert.equal(state.values.n_embd, "16");
  assert.equal(state.values.n_head, "4");
  assert.equal(state.values.temperature, "0.8");
  assert.equal(state.text, "");
  assert.deepEqual(ignored, [["n_embd=9999", "out of range (1 to 512)"], ["n_head=2", "not text"],
    ["layers=3", "unknown setting"], ["text", "data without source=text"]]);
  assert.equal(fromStored(D, "settings"), null);
  assert.equal(fromStored(D, null), null);
  assert.deepEqual(fromStored(D, { values: [1, 2] }).state, defaults(D), "values that are not an object: defaults");
});

test("an experiment is kept only as a name", () => {
  assert.equal(normalise(D, { experiment: "temperature" }).state.experiment, "temperature");
  assert.equal(normalise(D, { experiment: 3 }).state.experiment, null);
});

test("the embed shows the editable settings as fields and the others a reader needs, read-only", () => {
  const state = defaults(D);
  Object.assign(state.values, { editable: "learning_rate, temperature", beta1: "0.9" });
  const { editable, rows } = embedOf(D, state);
  assert.deepEqual(editable.map((s) => s.name), ["learning_rate", "temperature"]);
  // n_embd and n_head are main settings (settings.js), beta1 is shown because it is not its default.
  assert.deepEqual(rows, [["Data", "built-in names"], ["Embedding width", "16"], ["Attention heads", "4"],
    ["Context length", "16"], ["Adam β1", "0.9"]]);
  state.values.source = "text";
  assert.deepEqual(embedOf(D, state).rows[0], ["Data", "pasted text"]);
});
