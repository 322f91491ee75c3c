// The code beside the run, with no DOM: which file and lines a landmark (embedding, attention, …) points at, the
// line numbers of a file, what the edit controls allow, and what the Code panel says about an edit. The panel
// (code-view.js) draws what these return; tests/js/code.test.mjs checks them without a browser.

// listing: the Session's `code` reply {files: [{module, name, text, editable}], sections: [{key, module, first, last}]}.
export function sectionTarget(listing, key) {
  const section = listing.sections.find((candidate) => candidate.key === key);
  if (!section) return null;
  const file = listing.files.find((candidate) => candidate.module === section.module);
  return file ? { file, section } : null;
}

// The landmarks that live in one file, in the order they appear in it.
export function sectionsOf(listing, module) {
  return listing.sections.filter((section) => section.module === module).sort((a, b) => a.first - b.first);
}

export function lineCount(text) {
  if (text === "") return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

// "1\n2\n…": the gutter beside a file.
export function gutter(text) {
  return Array.from({ length: lineCount(text) }, (_, i) => String(i + 1)).join("\n");
}

// What the edit controls can do. edit: {draft, applied, original} — the text in the editor, the edit Python is using
// (null: the original) and the original model.py. busy: a request is in flight. phase: the page's phase.
export function editControls({ draft, applied, original }, { busy = false, running = false } = {}) {
  const differsFromOriginal = draft !== original;
  const differsFromApplied = draft !== (applied ?? original);
  return {
    apply: !busy && differsFromApplied && differsFromOriginal,
    restore: !busy && (applied !== null || differsFromOriginal),
    download: true,
    // A run in progress keeps the code it started with; an edit applies to the next Train.
    note: running && applied !== null ? "The running model keeps the code it started with; edits apply to the next Train." : "",
    status: applied === null
      ? (differsFromOriginal ? "Not applied yet: Train still uses the original code." : "The original code is in use.")
      : (differsFromApplied ? "Changed since you applied it: apply again to train with this text."
        : "Your edit is in use: Train trains with it on the scalar engine."),
  };
}

// The file name an edited model.py is offered under, and a check of a file the learner uploads instead.
export const EDITED_FILE_NAME = "model_edited.py";
export const MAX_SOURCE_BYTES = 1024 * 1024;
export function sourceFileProblem({ name, size }) {
  if (!/\.py$/i.test(name)) return `${name}: not a Python file; choose a .py file (e.g. one saved by Download edited)`;
  if (size > MAX_SOURCE_BYTES) {
    return `${name}: ${size.toLocaleString("en")} bytes is more than the ${MAX_SOURCE_BYTES.toLocaleString("en")} ` +
      "bytes allowed for model.py";
  }
  return null;
}

// The line an edit error names ("edited model.py, line 94: …"), to mark it in the editor; null if none.
export function errorLine(message) {
  const match = /edited model\.py, line (\d+)/.exec(message ?? "");
  return match ? Number(match[1]) : null;
}
