// The settings' description: the embed's editable settings, offered as checkboxes, and their text in a link.
import { test } from "node:test";
import assert from "node:assert/strict";
import { editableNames, editableText, settingSpecs } from "../../web/settings/settings.js";
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
