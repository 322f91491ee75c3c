// The link codec (web/settings/hash.js) reads a link before Python has loaded, so it judges values only by the schema's
// own kind, min/max and choices; and links with older keys still open.

import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, problem } from "../../web/settings/hash.js";

// Specs shaped like Python's schema (microgpt.session.Session.do_schema).
const spec = (name, kind, extra) => ({ name, kind, default: null, min: null, max: null, min_open: false, choices: null,
  help: "", group: "training", ...extra });
const SPECS = [
  spec("n_head", "int", { default: 4, min: 1, max: 64 }),
  spec("learning_rate", "float", { default: 0.01, min: 0, max: 1, min_open: true }),
  spec("engine", "choice", { default: "fast", choices: ["fast", "scalar"] }),
  spec("prefix", "str", { default: "", group: "sampling" }),
  spec("source", "choice", { default: "builtin", choices: ["builtin", "text"], group: "data" }),
];
const bySpec = Object.fromEntries(SPECS.map((s) => [s.name, s]));

test("values are judged by the spec's own range and choices", () => {
  assert.equal(problem(bySpec.n_head, "64"), null);
  assert.equal(problem(bySpec.n_head, "65"), "out of range (1 to 64)");
  assert.equal(problem(bySpec.n_head, "2.5"), "not a whole number (1 to 64)");
  assert.equal(problem(bySpec.learning_rate, "0"), "out of range (above 0, at most 1)");
  assert.equal(problem(bySpec.learning_rate, "1e-3"), null);
  assert.equal(problem(bySpec.engine, "turbo"), "not one of fast, scalar");
  assert.equal(problem(bySpec.prefix, "anything"), null);
});

test("only values that differ from the default are written, the data source as source=", async () => {
  const values = { n_head: "4", learning_rate: "0.02", engine: "fast", prefix: "", source: "text" };
  const { hash, textIncluded } = await encode(SPECS, values, "emma\nolivia\n");
  assert.match(hash, /^learning_rate=0.02&source=text&text=[\w-]+$/);
  assert.equal(textIncluded, true);
  const back = await decode(SPECS, hash);
  assert.deepEqual(back.values, { learning_rate: "0.02", source: "text" });
  assert.equal(back.text, "emma\nolivia\n");
});

test("a link with the old data= key still opens", async () => {
  const { hash } = await encode(SPECS, { source: "text" }, "ab\nba\n");
  const old = await decode(SPECS, hash.replace("source=", "data="));
  assert.deepEqual(old.values, { source: "text" });
  assert.equal(old.text, "ab\nba\n");
  assert.deepEqual(old.ignored, []);
});

test("what cannot be used is listed with why, and the rest is kept", async () => {
  const { values, ignored } = await decode(SPECS, "#n_head=0&engine=scalar&layers=3&text=abc");
  assert.deepEqual(values, { engine: "scalar" });
  assert.deepEqual(ignored, [["n_head=0", "out of range (1 to 64)"], ["layers=3", "unknown setting"],
    ["text", "data without source=text"]]);
});

test("a link may name a ready experiment; it is not a setting, so nothing is ignored", async () => {
  const decoded = await decode(SPECS, "#embed&experiment=learning-rate-x10&n_head=2");
  assert.equal(decoded.experiment, "learning-rate-x10");
  assert.equal(decoded.embed, true);
  assert.deepEqual(decoded.values, { n_head: "2" });
  assert.deepEqual(decoded.ignored, []);
  assert.equal((await decode(SPECS, "#n_head=2")).experiment, null);
});
