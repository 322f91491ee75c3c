// What the page says about the model on screen: changed settings, the context-length note, the embed's invitation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { changedSettings, croppedNote, embedDoneText, holdoutNote, trainedWithText } from "../../web/settings/guidance.js";

const SPECS = [
  { name: "n_embd", label: "Embedding width", group: "model" },
  { name: "learning_rate", label: "Learning rate", group: "training" },
  { name: "beta1", label: "Adam β1", group: "training" },
  { name: "temperature", label: "Temperature", group: "sampling" },
  { name: "theme", label: "Colours", group: "page" },
];

test("only model settings that differ from the trained ones count, numbers compared as numbers", () => {
  const trained = { n_embd: 16, learning_rate: 0.01, beta1: 0.85, temperature: 0.5 };
  assert.deepEqual(changedSettings(trained, { ...trained, theme: "dark" }, SPECS), [], "not a setting of the run");
  assert.deepEqual(changedSettings(trained, { ...trained }, SPECS), []);
  assert.deepEqual(changedSettings(trained, { ...trained, n_embd: "16" }, SPECS), []);
  assert.deepEqual(changedSettings(trained, { ...trained, temperature: 1.2 }, SPECS), [], "sampling applies later");
  assert.deepEqual(changedSettings(trained, { ...trained, learning_rate: 0.02, beta1: "x" }, SPECS), [
    { name: "learning_rate", label: "Learning rate", trained: 0.01, current: 0.02 },
    { name: "beta1", label: "Adam β1", trained: 0.85, current: "x" },
  ]);
  assert.deepEqual(changedSettings(null, { n_embd: 8 }, SPECS), [], "no model, nothing to differ from");
});

test("the sentence names the model's values, or is empty", () => {
  assert.equal(trainedWithText([]), "");
  const text = trainedWithText([{ name: "learning_rate", label: "Learning rate", trained: 0.01, current: 0.02 },
    { name: "n_embd", label: "Embedding width", trained: 16, current: 8 }]);
  assert.match(text, /^The model shown was trained with learning rate 0\.01, embedding width 16\./);
});

test("documents as long as the context or longer are cut; none cut, no note", () => {
  const counts = [[3, 5], [4, 3], [7, 2]];
  assert.equal(croppedNote(counts, 8), "");
  assert.equal(croppedNote(counts, 4), "With context length 4, 5 of 10 documents (50%) are cut to the first 4 " +
    "characters: the model never learns where they end, and samples stop at 4 characters.");
  assert.match(croppedNote(counts, 7), /^With context length 7, 2 of 10 documents \(20%\) are cut/);
  assert.match(croppedNote([[9, 1], [2, 99]], 5), /1 of 100 documents \(1%\) is cut .* where it ends/);
  assert.match(croppedNote(counts, 2), /, all 10 documents are cut .* where they end/);
  assert.equal(croppedNote(undefined, 4), "", "no preview yet");
  assert.equal(croppedNote(counts, "abc"), "", "an invalid context length has its own error");
});

test("a held-out loss of cut documents says it compares only with the same context length", () => {
  assert.equal(holdoutNote([[3, 5], [4, 3]], 8), "");
  assert.equal(holdoutNote([[3, 5], [4, 3]], 4), "Measured on documents cut to 4 characters, like training: " +
    "compare it only with runs of the same context length.");
});

test("an embed invites the change its author allows", () => {
  const lr = { name: "learning_rate", label: "Learning rate", group: "training" };
  const temperature = { name: "temperature", label: "Temperature", group: "sampling" };
  assert.match(embedDoneText([lr, temperature]), /^Done\. Now change the learning rate and train again/);
  assert.match(embedDoneText([temperature]), /^Done\. Now change the temperature and generate again/);
  assert.match(embedDoneText([]), /open the full app to change its settings/);
  assert.doesNotMatch(embedDoneText([lr]), /change settings and train a new model/);
});
