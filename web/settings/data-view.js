// The Data panel: choose the built-in dataset, pasted text or an uploaded file, and show what Python made of it
// (documents, split, vocabulary, a few examples) or why it cannot be used. Text is shown with textContent only.

const $ = (id) => document.getElementById(id);

export class DataPanel {
  // onChange() is called when the chosen data changes (debounced for typing).
  constructor(onChange) {
    this.onChange = onChange;
    this.fileText = null;
    this.fileName = "";
    this.timer = null;
    this.reading = false;
    for (const radio of document.querySelectorAll('input[name="source"]')) {
      radio.addEventListener("change", () => this.sourceChanged());
    }
    $("paste-text").addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.timer = null; this.onChange(); }, 250);
    });
    $("upload-file").addEventListener("change", () => this.readFile());
  }

  source() {
    return document.querySelector('input[name="source"]:checked').value;
  }

  sourceChanged() {
    const source = this.source();
    $("paste-area").hidden = source !== "text";
    $("upload-area").hidden = source !== "file";
    this.onChange();
  }

  async readFile() {
    const file = $("upload-file").files[0];
    this.fileText = null;
    this.fileName = file ? file.name : "";
    if (file) {
      this.reading = true;
      try {
        this.fileText = await readUtf8(file);
      } catch (error) {
        this.showError(`${file.name}: ${error.message}`);
        return;
      } finally {
        this.reading = false;
      }
    }
    this.onChange();
  }

  // True while an edit has not yet been handed to onChange.
  busy() {
    return this.timer !== null || this.reading;
  }

  // The `data` payload for `configure`, or null with a reason when there is nothing to use yet.
  current() {
    const source = this.source();
    if (source === "builtin") return { data: { source: "builtin" } };
    if (source === "text") {
      const text = $("paste-text").value;
      if (!text.trim()) {
        return { data: null, reason: this.textMissing ? "The link's data was too large to travel with it: paste " +
          "the data again, one document per line." : "Paste some text, one document per line." };
      }
      return { data: { source: "text", text } };
    }
    if (this.fileText === null) return { data: null, reason: "Choose a .txt file to upload." };
    return { data: { source: "text", text: this.fileText }, name: this.fileName };
  }

  // What a link carries: the source, and the user's own text (an uploaded file counts as pasted text).
  shared() {
    const source = this.source();
    if (source === "builtin") return { source: "builtin", text: "" };
    return { source: "text", text: source === "text" ? $("paste-text").value : this.fileText ?? "" };
  }

  // Show the data a link or history entry names. textMissing: its data was too large to travel with it.
  restore(source, text, textMissing) {
    clearTimeout(this.timer);
    this.timer = null;
    const radio = source === "text" ? "text" : "builtin";
    document.querySelector(`input[name="source"][value="${radio}"]`).checked = true;
    $("paste-text").value = source === "text" ? text : "";
    this.textMissing = source === "text" && textMissing;
    $("paste-area").hidden = radio !== "text";
    $("upload-area").hidden = true;
  }

  setEnabled(enabled) {
    $("data-controls").disabled = !enabled;
  }

  showBuiltin(builtin) {
    $("builtin-name").textContent = `Built-in: ${builtin.name}, ${builtin.num_docs.toLocaleString("en")} names.`;
  }

  showPending(reason) {
    $("data-message").hidden = true;
    this.showStats(null);
    if (reason) {
      $("data-message").textContent = reason;
      $("data-message").className = "message info";
      $("data-message").hidden = false;
    }
  }

  showError(message) {
    this.showStats(null);
    $("data-message").textContent = message;
    $("data-message").className = "message error";
    $("data-message").hidden = false;
  }

  // summary: the `preview` reply (num_docs, vocab, vocab_size, examples, and the split when the settings are valid),
  // or `configure`'s, the run's summary.
  show(summary) {
    $("data-message").hidden = true;
    this.showStats(summary);
  }

  showStats(summary) {
    for (const id of ["data-stats", "data-vocab", "data-examples"]) $(id).hidden = !summary;
    if (!summary) return;
    const stat = (name) => document.querySelector(`[data-stat="${name}"]`);
    stat("num_docs").textContent = summary.num_docs.toLocaleString("en");
    // A preview has no split when the settings are not valid: Python makes it from the held-out share.
    const split = summary.num_train !== undefined;
    stat("split").parentElement.hidden = !split;
    const count = (number) => number.toLocaleString("en");
    if (split) stat("split").textContent = `${count(summary.num_train)} / ${count(summary.num_holdout)}`;
    stat("vocab_size").textContent = `${summary.vocab_size} tokens`;
    $("data-vocab").textContent = `Characters: ${summary.vocab} plus one start/end token.`;
    const list = $("data-examples");
    list.replaceChildren(...summary.examples.map((example) => {
      const item = document.createElement("li");
      item.textContent = example;
      return item;
    }));
  }
}

// As the CLI reads a dataset: at most MAX_FILE_BYTES, and UTF-8 or nothing (file.text() would turn every bad byte into
// U+FFFD and train on that). A byte-order mark is dropped, as Python drops it.
const MAX_FILE_BYTES = 20 * 1024 * 1024;

export async function readUtf8(file) {
  if (file.size > MAX_FILE_BYTES) {
    throw new Error(`${file.size.toLocaleString("en")} bytes is more than the ${MAX_FILE_BYTES.toLocaleString("en")} ` +
      "bytes allowed");
  }
  let bytes;
  try {
    bytes = await file.arrayBuffer();
  } catch (error) {
    throw new Error(`could not be read (${error.message})`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error("not UTF-8 text; save it as UTF-8 and upload it again");
  }
}
