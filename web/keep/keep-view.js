// The Model card and the "kept" notice: Download (a file from the checkpoint text the app hands over), Load by file
// picker or by dropping a file on the card, what the model can do now, and what this browser keeps (restored
// notice, Forget, or why nothing is kept). It decides nothing: app.js tells it what is enabled and what to say.

import { checkpointFileProblem } from "./keep.js";

const $ = (id) => document.getElementById(id);

export class ModelPanel {
  // onFile(file): a checkpoint file to load (already checked to look like one). onDownload(), onForget().
  constructor({ onFile, onDownload, onForget }) {
    this.onFile = onFile;
    this.loadEnabled = false;
    $("model-download").addEventListener("click", onDownload);
    $("model-file").addEventListener("change", (event) => {
      const file = event.target.files?.[0];
      event.target.value = "";
      if (file) this.take(file);
    });
    for (const id of ["model-forget", "kept-forget"]) $(id).addEventListener("click", onForget);
    $("kept-close").addEventListener("click", () => { $("kept-notice").hidden = true; });
    const zone = $("model");
    zone.addEventListener("dragover", (event) => {
      if (!this.loadEnabled || !event.dataTransfer?.types.includes("Files")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("dropping");
    });
    zone.addEventListener("dragleave", (event) => {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove("dropping");
    });
    zone.addEventListener("drop", (event) => {
      zone.classList.remove("dropping");
      const file = event.dataTransfer?.files?.[0];
      if (!file) return;
      event.preventDefault();
      if (this.loadEnabled) this.take(file);
    });
  }

  take(file) {
    const problem = checkpointFileProblem(file);
    if (problem) return this.showError({ message: problem });
    this.showError(null);
    this.onFile(file);
  }

  // download/load: whether each is possible now, and a sentence saying why not (empty when both are).
  setEnabled({ download, load, reason = "" }) {
    $("model-download").disabled = !download;
    $("model-file").disabled = !load;
    $("model-load").classList.toggle("disabled", !load);
    this.loadEnabled = load;
    $("model-reason").textContent = reason;
  }

  // A file for the browser to save: the checkpoint exactly as the CLI writes it.
  offer(text, fileName) {
    const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    $("model-saved").textContent = `Saved as ${fileName}.`;
    $("model-saved").hidden = false;
  }

  showStatus(text) {
    $("model-status").textContent = text;
    $("model-status").hidden = !text;
  }

  showError(error) {
    $("model-message").textContent = error ? error.message : "";
    $("model-message").hidden = !error;
  }

  // notice: the sentence after a reload brought the model back (null: none). It carries the Forget action.
  showRestored(notice) {
    $("kept-text").textContent = notice ?? "";
    $("kept-notice").hidden = !notice;
  }

  // What this browser keeps, in the Model card: a sentence, and whether there is anything to forget.
  showKept(text, anything) {
    $("model-kept").textContent = text;
    $("model-forget").disabled = !anything;
  }
}
