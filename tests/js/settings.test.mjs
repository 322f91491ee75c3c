// The settings' description: the embed's editable settings, offered as checkboxes, and their text in a link; the
// teaching sliders, their marks (the default among them), the mark a typed value sits nearest, where each field is drawn.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TEACHING, editableNames, editableText, formOrder, labelled, nearestMark, place, settingSpecs, teachingMarks }
  from "../../web/settings/settings.js";
import { isDefault, problem } from "../../web/settings/hash.js";

const field = (name, group = "model") => ({ name, kind: "float", default: 1, group, help: "" });
const SCHEMA = {
  fields: ["n_embd", "n_head", "n_layer", "block_size", "learning_rate", "num_steps", "beta1"].map((name) => field(name)),
  request_fields: [field("temperature", "sampling"), field("prefix", "sampling"), field("num_samples", "sampling"),
    field("source", "data")],
};

test("the embed's readers may change the learning rate and the context length unless the author says otherwise", () => {
  const spec = settingSpecs(SCHEMA).find((candidate) => candidate.name === "editable");
  assert.deepEqual(editableNames(spec.default), ["learning_rate", "block_size"]);
  assert.deepEqual(spec.offered.slice(0, 2), ["learning_rate", "block_size"]);
  assert.ok(spec.offered.every((name) => spec.choices.includes(name)), "only settings a run has are offered");
  assert.ok(!spec.choices.includes("source"), "the data travels in the link, not as a field");
  assert.equal(spec.labels.block_size, "Context length");
  // The boxes write the names in the order they are offered, so the default ticks make the default text.
  assert.equal(editableText(["block_size", "learning_rate"], spec.offered), spec.default);
  assert.ok(isDefault(spec, editableText(["block_size", "learning_rate"], spec.offered)));
  assert.equal(editableText(["temperature", "learning_rate"], spec.offered), "learning_rate,temperature");
  // A name a link gave that has no box of its own is kept, after the offered ones; none ticked is "" (not the default).
  assert.equal(editableText(["beta1", "n_embd"], spec.offered), "n_embd,beta1");
  assert.equal(editableText([], spec.offered), "");
  assert.equal(problem(spec, ""), null);
  assert.ok(!isDefault(spec, ""));
});

// The schema's real ranges and defaults, for the sliders.
const RANGES = {
  fields: [
    { name: "n_embd", kind: "int", default: 16, min: 1, max: 512, group: "model" },
    { name: "n_head", kind: "int", default: 4, min: 1, max: 64, group: "model" },
    { name: "n_layer", kind: "int", default: 1, min: 1, max: 16, group: "model" },
    { name: "block_size", kind: "int", default: 16, min: 1, max: 256, group: "model" },
    { name: "learning_rate", kind: "float", default: 0.01, min: 0, max: 1, min_open: true, group: "training" },
    { name: "num_steps", kind: "int", default: 1000, min: 1, max: 1000000, group: "training" },
    { name: "seed", kind: "int", default: 42, min: 0, max: 4294967295, group: "training" },
  ],
  request_fields: [
    { name: "num_samples", kind: "int", default: 20, min: 1, max: 500, group: "sampling" },
    { name: "temperature", kind: "float", default: 0.5, min: 0, max: 5, min_open: true, group: "sampling" },
    { name: "source", kind: "choice", default: "builtin", choices: ["builtin", "text"], group: "data" },
  ],
};
const specs = settingSpecs(RANGES);
const spec = (name) => specs.find((s) => s.name === name);

test("the six teaching settings are sliders up front; the rest of the model's go under All settings", () => {
  assert.deepEqual(specs.filter((s) => s.teach).map((s) => s.name).sort(), Object.keys(TEACHING).sort());
  assert.deepEqual(Object.keys(TEACHING), ["block_size", "learning_rate", "n_embd", "n_layer", "num_steps", "temperature"]);
  assert.equal(place(spec("block_size")), "main");
  assert.equal(place(spec("n_head")), "more");
  assert.equal(place(spec("seed")), "more");
  assert.equal(place(spec("temperature")), "sampling");
  assert.equal(place(spec("theme")), "share");
  const order = formOrder(specs).map((s) => s.name);
  assert.deepEqual(order.slice(0, 6), Object.keys(TEACHING));
  assert.deepEqual(order.slice(6, 9), ["n_head", "seed", "num_samples"], "the others keep the schema's order");
  assert.deepEqual(specs.map((s) => s.name).slice(0, 3), ["n_embd", "n_head", "n_layer"], "the specs' own order stays");
});

test("a slider's marks lie in the setting's range, in order, and include its default", () => {
  assert.deepEqual(teachingMarks(spec("block_size")), [2, 4, 8, 16, 32, 64]);
  assert.deepEqual(teachingMarks(spec("learning_rate")), [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]);
  assert.deepEqual(teachingMarks({ ...spec("num_steps"), default: 50 }), [50, 100, 300, 1000, 3000, 10000]);
  assert.deepEqual(teachingMarks({ ...spec("n_layer"), max: 2 }), [1, 2]);
  assert.deepEqual(teachingMarks({ ...spec("learning_rate"), min: 0.001 }), [0.003, 0.01, 0.03, 0.1, 0.3],
    "an open minimum leaves its own value out");
  for (const s of specs.filter((x) => x.teach)) assert.ok(teachingMarks(s).includes(s.default), s.name);
});

test("a typed value moves the slider to the nearest mark, by ratio; text that is no number moves it nowhere", () => {
  const marks = [2, 4, 8, 16, 32, 64];
  assert.equal(nearestMark(marks, 16), 3);
  assert.equal(nearestMark(marks, 11), 2);
  assert.equal(nearestMark(marks, 12), 3);
  assert.equal(nearestMark(marks, 1), 0);
  assert.equal(nearestMark(marks, 1000), 5);
  assert.equal(nearestMark([0.001, 0.01, 0.1], 0.02), 1);
  assert.equal(nearestMark([0.001, 0.01, 0.1], 0.05), 2);
  assert.equal(nearestMark(marks, NaN), null);
});

test("a long scale writes only some marks under the slider, and always the default", () => {
  const t = spec("temperature");
  assert.deepEqual(teachingMarks(t).filter((v) => labelled(t, v)), [0.1, 0.2, 0.5, 1, 2, 3]);
  assert.equal(labelled({ ...t, default: 0.7 }, 0.7), true);
  assert.deepEqual(teachingMarks(spec("block_size")).filter((v) => labelled(spec("block_size"), v)), [2, 4, 8, 16, 32, 64]);
});
