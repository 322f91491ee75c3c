// What the three views inside the diagram's stages share (next-token-view.js, attention-view.js,
// embedding-map-view.js): a part that is open when the stage it lives in is, a caption that says what is drawn or why
// nothing is (no model yet, a new one being asked, a request that failed), and tables of plain text that give the
// picture's numbers to screen readers. Each view draws a reply in update(reply); insight-control.js decides when to
// ask, at what pace.

const $ = (id) => document.getElementById(id);

export class InsightView {
  // ids: {root, caption}: the view's part and its caption. The caption the page opens with is the one of an empty view.
  constructor({ root, caption }) {
    this.root = $(root);
    this.caption = $(caption);
    this.empty = this.caption.textContent;
  }

  // Open when the diagram's stage it lives in is open (on the hidden shelf before there is a diagram: closed).
  isOpen() {
    return Boolean(this.root.closest("details")?.open);
  }

  // Nothing drawn: there is no model (the empty caption), or a new one is being asked (message). A view that draws
  // something forgets it first, then calls this.
  clear(message = this.empty) {
    this.caption.textContent = message;
  }

  // A request of this view failed: its caption says why (the next reply's caption replaces it).
  error(message) {
    if (message) this.caption.textContent = message;
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
