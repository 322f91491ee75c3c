// The attention view: one small heatmap per layer × head for a name, query positions as rows and key positions as
// columns, labelled with the characters; future cells are blank (a GPT cannot see them), never 0. Each map is a real
// <table> whose cells carry their weight as text; one cell per map is focusable and the arrow keys move it, and the
// weight under the pointer or the focus is read out. Each head gets its measured habit ("62% to previous letter").
// It draws `attention` replies; asking is the wiring's job (insight-control.js).

import { END_GLYPH, END_NAME, headHabit } from "./insight.js";
import { InsightView } from "./insight-view.js";

const $ = (id) => document.getElementById(id);

// Position 0 is the start token, drawn with the one glyph of the token that starts and ends a name.
const label = (reply, position) => (position === 0 ? END_GLYPH : reply.labels[position]);
// What the maps are laid out for: layers × heads and the positions' labels.
const shapeOf = (reply) => `${reply.weights.length}x${reply.weights[0].length}:${reply.labels.join("\u0000")}`;

export class AttentionView extends InsightView {
  // text(): the name the section follows; slot(layer): where that layer's maps go (its attention weights stage), or
  // null before the diagram has one; slots(): every layer's.
  constructor({ text, slot, slots }) {
    super({ root: "attention", caption: "attn-caption" });
    this.text = text;
    this.slot = slot;
    this.slots = slots;
    this.maps = new Map();        // "layer.head" (from 0) -> {table, cells[query][key], habit}
    this.shape = "";
    for (const kind of ["keydown", "focusin", "pointerover"]) {
      // The maps live in the diagram's stages: listen where they all are.
      document.getElementById("diagram").addEventListener(kind, (event) => {
        if (!event.target.closest?.(".heatmap")) return;
        if (kind === "keydown") this.move(event);
        else this.readOut(event.target);
      });
    }
  }

  // Open when any layer's maps can be seen (their stage is open).
  isOpen() {
    return this.slots().some((slot) => slot.closest("details")?.open);
  }

  request() {
    return { text: this.text() };
  }

  // The diagram was rebuilt: the maps are drawn again into its new slots.
  replaced() {
    this.shape = "";
    if (this.reply) this.update(this.reply);
  }

  clear(message) {
    for (const slot of this.slots()) slot.replaceChildren();
    this.maps.clear();
    this.reply = null;
    this.shape = "";
    $("attn-readout").textContent = "";
    super.clear(message);
  }

  // The followed name's maps, laid out from the diagram's trace (its name and config) before their weights come:
  // they are asked only once on screen, and laid out only then they would grow the stage under the reader's eyes
  // and push away what they scrolled or jumped to. Blank (class "pending") until drawn.
  sketch(trace) {
    const { n_layer: layers, n_head: heads, block_size: blockSize } = trace.config;
    const blank = { labels: [trace.labels[0], ...[...trace.name].slice(0, blockSize - 1)],
      weights: Array.from({ length: layers }, () => new Array(heads).fill(null)) };
    if (this.laidOut(blank)) return;
    this.build(blank);
    this.caption.textContent = "Asking the model…";
  }

  // Whether the maps in the diagram are laid out for `reply`'s layers, heads and positions.
  laidOut(reply) {
    const maps = [...this.maps.values()];
    return shapeOf(reply) === this.shape && maps.length > 0 && maps.every((map) => map.table.isConnected);
  }

  // reply: {text, cropped, tokens, labels, weights[layer][head][query][key]}
  update(reply) {
    this.reply = reply;
    if (!this.laidOut(reply)) this.build(reply);
    reply.weights.forEach((layer, l) => layer.forEach((matrix, h) => {
      const map = this.maps.get(`${l}.${h}`);
      if (!map) return;
      // Only cells whose shown weight changed are written, so a reply during training touches few of them.
      matrix.forEach((row, query) => row.forEach((weight, key) => {
        const cell = map.cells[query][key];
        const text = weight.toFixed(2);
        if (cell.textContent === text) return;
        cell.textContent = text;
        cell.style.setProperty("--w", text);
      }));
      map.figure.classList.remove("pending");
      const habit = headHabit(matrix);
      map.habit.textContent = habit.text;
    }));
    const cropped = reply.cropped ? " (cut to the context length)" : "";
    this.caption.textContent = `${reply.labels.length} positions${cropped}; above each map, what its head mostly ` +
      "looks at.";
    if (this.focused?.isConnected) this.readOut(this.focused);
  }

  build(reply) {
    this.maps.clear();
    this.shape = shapeOf(reply);
    const positions = reply.labels.length;
    reply.weights.forEach((layer, l) => {
      const slot = this.slot(l + 1);
      if (!slot) return;
      // As wide as the card allows: the heads side by side, each cell a square of the map's width (CSS).
      slot.style.setProperty("--heads", String(layer.length));
      slot.replaceChildren(...layer.map((_, h) => this.buildMap(reply, l, h, positions)));
    });
  }

  buildMap(reply, l, h, positions) {
    const figure = document.createElement("figure");
    figure.className = reply.weights[l][h] ? "heatmap" : "heatmap pending";
    const caption = document.createElement("figcaption");
    const title = document.createElement("b");
    title.textContent = `Layer ${l + 1} · head ${h + 1}`;
    const habit = document.createElement("span");
    habit.className = "habit";
    caption.append(title, habit);
    const table = document.createElement("table");
    table.style.setProperty("--n", String(positions + 1));
    table.setAttribute("aria-label", `Attention weights, layer ${l + 1}, head ${h + 1}: rows are queries, ` +
      "columns are keys; use the arrow keys to move between cells");
    table.dataset.layer = String(l + 1);
    table.dataset.head = String(h + 1);
    const head = table.createTHead().insertRow();
    head.append(document.createElement("td"));
    for (let key = 0; key < positions; key++) head.append(header(label(reply, key), "col"));
    const body = table.createTBody();
    const cells = [];
    for (let query = 0; query < positions; query++) {
      const row = body.insertRow();
      row.append(header(label(reply, query), "row"));
      cells.push([]);
      for (let key = 0; key < positions; key++) {
        const cell = row.insertCell();
        cell.dataset.query = String(query);
        cell.dataset.key = String(key);
        if (key > query) {
          cell.className = "future";
          cell.setAttribute("aria-label", "future: not visible to this query");
        } else {
          cell.className = "weight";
          cell.tabIndex = query === 0 && key === 0 ? 0 : -1;
          cells[query].push(cell);
        }
      }
    }
    figure.append(caption, table);
    this.maps.set(`${l}.${h}`, { figure, table, cells, habit });
    return figure;
  }

  // Arrow keys move the focus inside one map, staying on the visible (past and present) cells.
  move(event) {
    const cell = event.target.closest?.("td.weight");
    const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1],
      Home: [0, -Infinity], End: [0, Infinity] }[event.key];
    if (!cell || !step) return;
    event.preventDefault();
    const map = [...this.maps.values()].find((candidate) => candidate.table.contains(cell));
    const last = map.cells.length - 1;
    const query = Math.min(last, Math.max(0, Number(cell.dataset.query) + step[0]));
    const key = Math.min(query, Math.max(0, Number(cell.dataset.key) + step[1]));
    const next = map.cells[query][key];
    cell.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }

  // The weight of the cell under the pointer or the focus, in words (live data: it follows training).
  readOut(target) {
    const cell = target.closest?.("td.weight");
    if (!cell || !this.reply || cell.closest(".pending")) return;
    this.focused = cell;
    const table = cell.closest("table");
    const [query, key] = [Number(cell.dataset.query), Number(cell.dataset.key)];
    const weight = this.reply.weights[table.dataset.layer - 1][table.dataset.head - 1][query][key];
    const name = (position) => {
      const text = label(this.reply, position);
      return text === END_GLYPH ? `${END_GLYPH} ${END_NAME}` : `“${text}”`;
    };
    $("attn-readout").textContent = `Layer ${table.dataset.layer}, head ${table.dataset.head}: ${name(query)} ` +
      `(position ${query}) looks at ${name(key)} (position ${key}) with weight ${weight.toFixed(3)}.`;
  }
}

function header(text, scope) {
  const cell = document.createElement("th");
  cell.scope = scope;
  cell.textContent = text;
  if (text === END_GLYPH) cell.title = END_NAME;
  return cell;
}
