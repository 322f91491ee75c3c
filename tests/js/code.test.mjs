// The Code panel's decisions (web/learn/code.js): where a landmark points, the gutter, what the edit controls allow and
// say, which line an error names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { editControls, errorLine, gutter, lineCount, sectionTarget, sectionsOf, sourceFileProblem }
  from "../../web/learn/code.js";

const LISTING = {
  files: [{ module: "microgpt.model", text: "a\nb\nc\n", editable: true }, { module: "microgpt.engine", text: "x" }],
  sections: [
    { key: "mlp", module: "microgpt.model", first: 3, last: 3 },
    { key: "attention", module: "microgpt.model", first: 1, last: 2 },
    { key: "backward", module: "microgpt.engine", first: 1, last: 1 },
    { key: "orphan", module: "microgpt.gone", first: 1, last: 1 },
  ],
};

test("a landmark points at its file and lines; a file lists its landmarks in order", () => {
  const { file, section } = sectionTarget(LISTING, "backward");
  assert.equal(file.module, "microgpt.engine");
  assert.equal(section.first, 1);
  assert.equal(sectionTarget(LISTING, "nothing"), null);
  assert.equal(sectionTarget(LISTING, "orphan"), null);
  assert.deepEqual(sectionsOf(LISTING, "microgpt.model").map((s) => s.key), ["attention", "mlp"]);
});

test("the gutter numbers every line, with or without a final newline", () => {
  assert.equal(lineCount(""), 0);
  assert.equal(gutter("a\nb\nc\n"), "1\n2\n3");
  assert.equal(gutter("a\nb"), "1\n2");
});

test("the edit controls: apply a changed text, restore whenever anything differs from the original", () => {
  const original = "relu";
  let c = editControls({ draft: original, applied: null, original });
  assert.deepEqual([c.apply, c.restore], [false, false]);
  assert.match(c.status, /original code is in use/);
  c = editControls({ draft: "tanh", applied: null, original });
  assert.deepEqual([c.apply, c.restore], [true, true]);
  assert.match(c.status, /Not applied yet/);
  c = editControls({ draft: "tanh", applied: "tanh", original });
  assert.deepEqual([c.apply, c.restore], [false, true]);
  assert.match(c.status, /edit is in use/);
  c = editControls({ draft: "sigmoid", applied: "tanh", original }, { running: true });
  assert.equal(c.apply, true);
  assert.match(c.status, /Changed since you applied it/);
  assert.match(c.note, /running model keeps the code it started with/);
  assert.equal(editControls({ draft: "tanh", applied: null, original }, { busy: true }).apply, false);
});

test("an error's line is read from Python's message; only .py files are uploaded", () => {
  assert.equal(errorLine("edited model.py, line 94: AttributeError: no"), 94);
  assert.equal(errorLine("training stopped at step 1: edited model.py, line 7: AssertionError"), 7);
  assert.equal(errorLine("edited model.py: it defines no class ScalarModel"), null);
  assert.equal(errorLine(undefined), null);
  assert.equal(sourceFileProblem({ name: "model_edited.py", size: 100 }), null);
  assert.match(sourceFileProblem({ name: "m.json", size: 100 }), /not a Python file/);
});
