// The page spells numbers as Python does (microgpt/config.py NUMBER): the same texts are numbers on both sides, so a
// value typed in the page, in a link or on the command line means the same thing everywhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNumber } from "../../web/settings/settings.js";
import { problem } from "../../web/settings/hash.js";

test("decimal spellings are numbers", () => {
  for (const [text, value] of [["1e3", 1000], [" 7 ", 7], ["+5", 5], ["7.0", 7], [".5", 0.5], ["5.", 5],
    ["-0.25", -0.25], ["1E-3", 0.001]]) {
    assert.equal(parseNumber(text), value, text);
  }
});

test("what Number() takes but Python refuses is not a number", () => {
  for (const text of ["", "  ", "0x10", "0b1", "0o7", "1_000", "Infinity", "NaN", "1e", "--1", "٣", "1,5"]) {
    assert.ok(Number.isNaN(parseNumber(text)), text);
  }
});

test("a link's value is judged with the same spelling", () => {
  const seed = { name: "seed", kind: "int", min: 0, max: 2 ** 32 - 1, min_open: false };
  assert.equal(problem(seed, "1e3"), null);
  assert.match(problem(seed, "0x10"), /^not a number/);
  assert.match(problem(seed, "2.5"), /^not a whole number/);
});
