// What the page tells the learner about the model on screen, decided here without the DOM (tests/js/guidance.test.mjs):
// which settings on the form differ from those the shown model was trained with, what a short context length
// crops, and what an embed's author invites readers to change once training is done.

const same = (a, b) => a === b || (typeof a === "number" && Number(b) === a) || (typeof b === "number" && Number(a) === b);

// trained: the config the shown model was trained with ({name: value}); current: the form's config; specs: the
// form's settings ({name, label, group}). Only what shapes the model counts: sampling settings apply at Generate.
// Returns [{name, label, trained, current}] in the form's order.
export function changedSettings(trained, current, specs) {
  if (!trained) return [];
  return specs
    .filter((spec) => spec.group !== "sampling" && spec.group !== "page")
    .filter((spec) => spec.name in trained && !same(trained[spec.name], current[spec.name]))
    .map((spec) => ({ name: spec.name, label: spec.label, trained: trained[spec.name], current: current[spec.name] }));
}

// The sentence under the form when it no longer describes the model on screen, or "".
export function trainedWithText(changes) {
  if (changes.length === 0) return "";
  const list = changes.map(({ label, trained }) => `${label.toLowerCase()} ${trained}`).join(", ");
  return `The model shown was trained with ${list}. Train a new model to use the settings marked as changed.`;
}

// lengthCounts: [[characters, documents], …] from Python's preview; blockSize: the context length on the form.
// A document of block_size characters or more is cut: training predicts only its first block_size tokens (start
// included), so the model never sees where it ends, and sampling stops after block_size characters.
// Returns "" when nothing is cut, or a sentence for the Context length field.
export function croppedNote(lengthCounts, blockSize) {
  if (!lengthCounts || !Number.isInteger(blockSize) || blockSize < 1) return "";
  let total = 0;
  let cut = 0;
  for (const [length, count] of lengthCounts) {
    total += count;
    if (length >= blockSize) cut += count;
  }
  if (cut === 0) return "";
  const count = (n) => n.toLocaleString("en");
  const share = cut === total ? `all ${count(total)} documents`
    : `${count(cut)} of ${count(total)} documents (${Math.max(1, Math.round((100 * cut) / total))}%)`;
  return `With context length ${blockSize}, ${share} ${cut === 1 ? "is" : "are"} cut to the first ${blockSize} ` +
    `characters: the model never learns where ${cut === 1 ? "it ends" : "they end"}, and samples stop at ` +
    `${blockSize} characters.`;
}

// Beside the held-out loss of a run whose context length cut documents (lengthCounts and blockSize as above): its
// held-out documents were cut too, so the number is not comparable with a run of another context length.
export function holdoutNote(lengthCounts, blockSize) {
  if (!croppedNote(lengthCounts, blockSize)) return "";
  return `Measured on documents cut to ${blockSize} characters, like training: compare it only with runs of the ` +
    "same context length.";
}

// What the Train controls say when a run is done in an embed: editable is [{name, label, group}], the settings
// the author lets readers change.
export function embedDoneText(editable) {
  const labels = (specs) => specs.map((spec) => spec.label.toLowerCase()).join(" or the ");
  const model = editable.filter((spec) => spec.group !== "sampling");
  const sampling = editable.filter((spec) => spec.group === "sampling");
  if (model.length) {
    return `Done. Now change the ${labels(model)} and train again: what shifts in the loss and the names?`;
  }
  if (sampling.length) return `Done. Now change the ${labels(sampling)} and generate again: how do the names change?`;
  return "Done. The names below come from this model; open the full app to change its settings.";
}
