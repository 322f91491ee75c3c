// Keeping and moving a model (web/keep/keep.js): checkpoint file names, what the page says after a load or a restore,
// and when storage fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkpointFileName, checkpointFileProblem, keptModel, loadedStatus, restoredNotice, storageProblem }
  from "../../web/keep/keep.js";

const DEFAULTS = { n_embd: 16, n_head: 4, n_layer: 1, block_size: 16, learning_rate: 0.01, num_steps: 1000,
  seed: 42, engine: "fast", num_samples: 20, temperature: 0.5, prefix: "" };

test("a checkpoint's file name says the model size, what differs from the defaults, and the step", () => {
  assert.equal(checkpointFileName(DEFAULTS, 1000, DEFAULTS), "microgpt-n_embd16-step1000.json");
  const changed = { ...DEFAULTS, n_embd: 8, n_head: 2, learning_rate: 0.03, temperature: 0.9, prefix: "ma" };
  assert.equal(checkpointFileName(changed, 250, DEFAULTS), "microgpt-n_embd8-n_head2-learning_rate0.03-step250.json");
  assert.equal(checkpointFileName({ ...DEFAULTS, engine: "scalar" }, 3, DEFAULTS, { edited: true }),
    "microgpt-n_embd16-enginescalar-edited-step3.json");
});

test("what a loaded model can do: sample always, resume only with its data, which is named", () => {
  const config = { num_steps: 1000 };
  assert.equal(loadedStatus({ step: 400, config, resumable: true }, "m.json"),
    "Loaded m.json: step 400 of 1,000. It samples now. Resume continues its training.");
  assert.equal(loadedStatus({ step: 400, config, resumable: false, data_description: "the file x.txt: 3 documents" }),
    "step 400 of 1,000. It samples now. To resume training, choose the data it was trained on: the file x.txt: " +
    "3 documents.");
  assert.match(loadedStatus({ step: 1000, config, resumable: false }), /training is complete/);
});

test("the restored notice says when the model was kept and how far it had trained", () => {
  const info = { step: 300, config: { num_steps: 1000 }, edited: true, data_description: "d" };
  const kept = keptModel({ checkpoint: "{}", info, savedAt: Date.UTC(2026, 10, 20, 9, 5) });
  assert.deepEqual({ ...kept, savedAt: 0 },
    { checkpoint: "{}", savedAt: 0, origin: "trained here", step: 300, numSteps: 1000, edited: true,
      dataDescription: "d", phase: null });
  assert.equal(keptModel({ checkpoint: "{}", info, phase: "stopped" }).phase, "stopped");
  const text = restoredNotice(kept, Date.UTC(2026, 10, 26, 12));
  assert.match(text, /^Restored your model from 20 Nov 2026 at \d\d:\d\d \(step 300 of 1,000, trained with edited code\)\.$/);
  assert.match(restoredNotice({ ...kept, edited: false }, kept.savedAt), /^Restored your model from today at /);
});

test("storage problems are explained, and say that the page goes on without keeping", () => {
  assert.match(storageProblem({ name: "QuotaExceededError" }), /storage for this page is full/);
  assert.match(storageProblem({ name: "InvalidStateError" }), /private window/);
  assert.match(storageProblem({ name: "UnknownError", message: "IndexedDB is not available" }),
    /not available in this browser \(IndexedDB is not available\).*Download the model/);
});

test("only .json files of a checkpoint's size are read", () => {
  assert.equal(checkpointFileProblem({ name: "m.json", size: 2e5 }), null);
  assert.match(checkpointFileProblem({ name: "names.txt", size: 10 }), /names\.txt: not a checkpoint file; choose a \.json/);
  assert.match(checkpointFileProblem({ name: "big.json", size: 3e8 }), /300,000,000 bytes is more than/);
});
