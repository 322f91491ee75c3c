// The Code card: the Python running in the worker (the Session's `code` reply, read from the installed package),
// highlighted by highlight.js, with landmark buttons that show a section's lines and purpose; and the editor for
// model.py, whose edit lives in the worker only (`edit`). What is enabled and what is said comes from code.js.
// Any element with data-code="KEY" (e.g. a view's "view code" link) jumps here to that landmark; one with
// data-code-lines="FIRST-LAST" (and data-code-module, data-code-title: a stage of the diagram) to those lines.

import hljs from "../vendor/highlight/core.min.js";
import python from "../vendor/highlight/python.min.js";
import { EDITED_FILE_NAME, editControls, errorLine, gutter, lineCount, sectionTarget, sectionsOf,
  sourceFileProblem } from "./code.js";

hljs.registerLanguage("python", python);

const $ = (id) => document.getElementById(id);

export class CodePanel {
  // request(type, payload): a Session request through the worker. onEdit(applied): the edit in use changed.
  constructor({ request, onEdit = () => {} }) {
    this.request = request;
    this.onEdit = onEdit;
    this.listing = null;
    this.module = null;
    this.notes = { module: null, byLine: new Map() };    // shapes beside the code (shapes.js), for one file
    this.edit = { draft: "", applied: null, original: "" };
    this.busy = false;
    this.running = false;
    $("code-apply").addEventListener("click", () => this.apply());
    $("code-restore").addEventListener("click", () => this.restore());
    $("code-download").addEventListener("click", () => this.download());
    $("code-upload").addEventListener("change", (event) => this.upload(event.target));
    $("code-editor").addEventListener("input", () => {
      this.edit.draft = $("code-editor").value;
      this.refresh();
    });
    document.addEventListener("click", (event) => {
      const link = event.target.closest?.("[data-code], [data-code-lines]");
      if (!link) return;
      event.preventDefault();
      if (link.dataset.code) return this.jump(link.dataset.code);
      const [first, last] = link.dataset.codeLines.split("-").map(Number);
      this.jumpToLines(link.dataset.codeModule, { first, last, title: link.dataset.codeTitle });
    });
  }

  get edited() {
    return this.edit.applied !== null;
  }

  // Read the running source (again after a worker restart, which also re-applies an edit that was in use).
  async load() {
    const listing = await this.request("code");
    const first = this.listing === null;
    this.listing = listing;
    const model = listing.files.find((file) => file.editable);
    this.edit.original = model.text;
    if (first) this.edit.draft = model.text;
    if (this.edit.applied !== null && listing.edited === null) await this.send(this.edit.applied);
    this.drawTabs();
    this.drawLandmarks();
    this.showFile(this.module ?? model.module);
    $("code-editor").value = this.edit.draft;
    $("code").dataset.loaded = "true";
    this.refresh();
  }

  drawTabs() {
    $("code-files").replaceChildren(...this.listing.files.map((file) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.setAttribute("role", "tab");
      tab.dataset.module = file.module;
      tab.textContent = file.name;
      tab.addEventListener("click", () => this.showFile(file.module));
      return tab;
    }));
  }

  drawLandmarks() {
    $("code-landmarks").replaceChildren(...this.listing.sections.map((section) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.section = section.key;
      button.textContent = section.title;
      button.title = section.purpose;
      button.addEventListener("click", () => this.jump(section.key));
      return button;
    }));
  }

  showFile(module, section = null) {
    const file = this.listing.files.find((candidate) => candidate.module === module);
    this.module = module;
    for (const tab of $("code-files").children) tab.setAttribute("aria-selected", String(tab.dataset.module === module));
    $("code-role").textContent = file.role;
    $("code-gutter").textContent = gutter(file.text);
    // highlight.js escapes the text it is given; the source is the package's own.
    $("code-text").innerHTML = hljs.highlight(file.text, { language: "python" }).value;
    $("code-text").dataset.module = module;
    this.drawNotes();
    this.mark(section);
  }

  // Notes beside lines of one file (the forward pass's shapes for the current settings): byLine maps a line number to
  // its text; summary says what they are. Drawn as one row per line in a gutter of their own right of the code (which
  // scrolls sideways on its own), so each note sits on its line and none covers code.
  setNotes(module, byLine, summary = "") {
    this.notes = { module, byLine };
    $("code-shapes").textContent = summary;
    if (this.listing) this.drawNotes();
  }

  drawNotes() {
    const file = this.listing.files.find((candidate) => candidate.module === this.module);
    const byLine = this.notes.module === this.module ? this.notes.byLine : new Map();
    $("code-notes").hidden = byLine.size === 0;
    $("code-notes").replaceChildren(...Array.from({ length: lineCount(file.text) }, (_, i) => {
      const row = document.createElement("span");
      const text = byLine.get(i + 1);
      if (text) {
        row.textContent = text;
        row.title = text;
        row.className = "code-note";
      }
      return row;
    }));
  }

  // Show a landmark: its file, its lines marked and scrolled into view, its purpose in a sentence.
  jump(key) {
    if (!this.listing) return;
    const target = sectionTarget(this.listing, key);
    if (!target) return;
    this.showFile(target.file.module, target.section);
    this.scrollHere();
  }

  // Show some lines of a file, marked like a landmark: {first, last, title} (1-based lines).
  jumpToLines(module, { first, last, title }) {
    if (!this.listing || !this.listing.files.some((file) => file.module === module)) return;
    this.showFile(module, { key: null, first, last, title, purpose: "the lines that compute this stage of the diagram." });
    this.scrollHere();
  }

  scrollHere() {
    $("code").scrollIntoView({ block: "start", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches
      ? "auto" : "smooth" });
  }

  mark(section) {
    const mark = $("code-mark");
    for (const button of $("code-landmarks").children) {
      button.setAttribute("aria-pressed", String(button.dataset.section === section?.key));
    }
    const inFile = sectionsOf(this.listing, this.module).map((s) => `${s.title} (lines ${s.first}–${s.last})`);
    $("code-purpose").textContent = section
      ? `${section.title}, lines ${section.first}–${section.last}: ${section.purpose}`
      : inFile.length ? `In this file: ${inFile.join(", ")}.` : "";
    mark.hidden = !section;
    if (!section) return;
    mark.style.setProperty("--first", section.first - 1);
    mark.style.setProperty("--lines", section.last - section.first + 1);
    const view = $("code-view");
    view.scrollTop = Math.max(0, mark.offsetTop - view.clientHeight / 6);
  }

  setRunning(running) {
    this.running = running;
    this.refresh();
  }

  refresh() {
    const controls = editControls(this.edit, { busy: this.busy, running: this.running });
    $("code-apply").disabled = !controls.apply || !this.listing;
    $("code-restore").disabled = !controls.restore || !this.listing;
    $("code-edit-status").textContent = [controls.status, controls.note].filter(Boolean).join(" ");
    $("code").dataset.edited = String(this.edited);
  }

  say(error) {
    $("code-edit-message").textContent = error ? error.message : "";
    $("code-edit-message").hidden = !error;
    const line = errorLine(error?.message);
    if (line !== null) this.selectLine(line);
  }

  // Put the caret on the line an error names, so the learner sees where to look.
  selectLine(line) {
    const editor = $("code-editor");
    const lines = editor.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    editor.focus();
    editor.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
    editor.scrollTop = Math.max(0, (line - 4) * lineHeight);
  }

  async send(source) {
    this.busy = true;
    this.dropped = false;
    this.refresh();
    try {
      await this.request("edit", { source });
      this.edit.applied = source || null;
      this.say(null);
      this.onEdit(this.edited);
    } catch (error) {
      if (!this.dropped) this.say(error);     // dropEdit has said what happened, better than the bare reason
    } finally {
      this.busy = false;
      this.refresh();
    }
  }

  // The edited code ended Python or did not return, and Python was restarted: the edit is not applied again (it would
  // do the same), and stays in the editor with what happened.
  dropEdit(reason) {
    this.edit.applied = null;
    this.busy = false;
    this.dropped = true;
    this.say({ message: `${reason}. The original model.py is in use again.` });
    this.onEdit(false);
    this.refresh();
  }

  apply() {
    return this.send(this.edit.draft === this.edit.original ? "" : this.edit.draft);
  }

  async restore() {
    this.edit.draft = this.edit.original;
    $("code-editor").value = this.edit.original;
    await this.send("");
  }

  download() {
    const url = URL.createObjectURL(new Blob([this.edit.draft], { type: "text/x-python" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = EDITED_FILE_NAME;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async upload(input) {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const problem = sourceFileProblem(file);
    if (problem) return this.say({ message: problem });
    this.edit.draft = await file.text();
    $("code-editor").value = this.edit.draft;
    $("code-edit").open = true;
    this.say(null);
    this.refresh();
  }
}
