// What the three views inside the diagram's stages share (next-token-view.js, attention-view.js,
// embedding-map-view.js): a part that is open when the stage it lives in is, a caption that says what is drawn or why nothing is (no model yet, a new one being
// asked), an error line tied to the view's input, and tables of plain text that give the picture's numbers to screen
// readers. Each view draws a reply in update(reply); insight-control.js decides when to ask, at what pace.

const $ = (id) => document.getElementById(id);

export class InsightView {
  // ids: {root, caption, message, input}: the view's part, its caption, and its error line with the input it is
  // about (a view without an input has neither). The caption the page opens with is the one of an empty view.
  constructor({ root, caption, message = null, input = null }) {
    this.root = $(root);
    this.caption = $(caption);
    this.empty = this.caption.textContent;
    this.message = message && $(message);
    this.input = input && $(input);
  }

  // Open when the diagram's stage it lives in is open (on the hidden shelf before there is a diagram: closed).
  isOpen() {
    return Boolean(this.root.closest("details")?.open);
  }

  // Nothing drawn: there is no model (the empty caption), or a new one is being asked (message). A view that draws
  // something forgets it first, then calls this.
  clear(message = this.empty) {
    this.caption.textContent = message;
    this.error(null);
  }

  error(message) {
    if (!this.message) return;
    this.message.textContent = message ?? "";
    this.message.hidden = !message;
    this.input.setAttribute("aria-invalid", message ? "true" : "false");
  }
}

// A table row of text cells (textContent: labels come from the reader's data).
export function textRow(texts) {
  const row = document.createElement("tr");
  for (const text of texts) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.append(cell);
  }
  return row;
}
