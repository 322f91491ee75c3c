// The next-token view, the softmax stage of the diagram: a bar per vocabulary token (the end token too) for what
// the model would write after the start token and the followed name up to its position, at a temperature, on a
// fixed 0–100 % axis with T = 1 (training's softmax, the diagram's numbers) drawn as ghost outlines, and the right
// next character marked; a caption sentence and a top-5 table say the same in text. It draws `next_token` replies
// and reports edits; asking is the wiring's job (insight-control.js).

import { END_GLYPH, END_NAME, TEMPERATURES, barsSummary, nearestTemperatureIndex, percent, sortedBars } from "./insight.js";
import { InsightView, textRow } from "./insight-view.js";

const $ = (id) => document.getElementById(id);
const TOP = 5;

export class NextTokenView extends InsightView {
  // prefix(): the name up to the followed position; onEdit(): the temperature changed; onTemperature(value): the
  // slider moved (the page keeps one sampling temperature, shared with the Samples form).
  constructor({ prefix, onEdit, onTemperature }) {
    super({ root: "next-token", caption: "nt-caption" });
    this.prefix = prefix;
    this.target = null;             // the token id of the right next character, marked
    this.slider = $("nt-temperature");
    this.shown = $("nt-temperature-value");
    this.bars = $("nt-bars");
    this.rows = new Map();          // token id -> its row's elements, reused between replies
    this.slider.max = String(TEMPERATURES.length - 1);
    this.slider.addEventListener("input", () => {
      this.showTemperature();
      onTemperature(this.temperature());
      onEdit();
    });
    this.setTemperature(0.5);
  }

  temperature() {
    return TEMPERATURES[Number(this.slider.value)];
  }

  showTemperature() {
    this.shown.textContent = String(this.temperature());
    this.slider.setAttribute("aria-valuetext", `temperature ${this.temperature()}`);
  }

  // The Samples form's temperature, typed there: the slider moves to its nearest step.
  setTemperature(value) {
    if (!(value > 0)) return;
    this.slider.value = String(nearestTemperatureIndex(value));
    this.showTemperature();
  }

  request() {
    return { prefix: this.prefix(), temperature: this.temperature() };
  }

  clear(message) {
    this.rows.clear();
    this.bars.replaceChildren();
    $("nt-table-body").replaceChildren();
    super.clear(message);
  }

  // reply: {prefix, temperature, vocab, end_id, probs, probs_t1}. Rows are kept and moved, not rebuilt, so a
  // reply during training changes widths and order only.
  update(reply) {
    this.error(null);
    const bars = sortedBars(reply);
    if (this.rows.size !== bars.length) this.build(reply);
    // Only what changed is written: during training most bars move by less than a pixel between replies.
    const ordered = bars.map((bar) => {
      const row = this.rows.get(bar.id);
      const [scale, ghost, text] = [bar.prob.toFixed(4), `${(100 * bar.probT1).toFixed(2)}%`, percent(bar.prob)];
      if (row.shown.scale !== scale) row.fill.style.transform = `scaleX(${scale})`;
      if (row.shown.ghost !== ghost) row.ghost.style.width = ghost;
      if (row.shown.text !== text) row.value.textContent = text;
      row.shown = { scale, ghost, text };
      row.element.dataset.prob = String(bar.prob);
      row.element.dataset.probT1 = String(bar.probT1);
      return row.element;
    });
    if (ordered.some((element, i) => this.bars.children[i] !== element)) this.bars.replaceChildren(...ordered);
    this.markTarget(this.target);
    const caption = barsSummary(reply.prefix, bars, reply.temperature);
    this.caption.textContent = caption;
    this.bars.setAttribute("aria-label", caption);
    $("nt-table-body").replaceChildren(...bars.slice(0, TOP).map((bar, i) => textRow(
      [String(i + 1), bar.isEnd ? `${END_GLYPH} ${END_NAME}` : bar.label, percent(bar.prob), percent(bar.probT1)])));
  }

  // The model's vocabulary has `count` tokens: the bars keep room for that many rows until they are drawn.
  reserve(count) {
    const rows = String(count);
    if (this.bars.style.getPropertyValue("--rows") !== rows) this.bars.style.setProperty("--rows", rows);
  }

  // The right next character at the followed position (a token id, or null): its bar is marked.
  markTarget(id) {
    this.target = id;
    for (const [rowId, row] of this.rows) {
      const isTarget = rowId === id;
      if (row.element.classList.contains("target") === isTarget) continue;
      row.element.classList.toggle("target", isTarget);
      row.mark.textContent = isTarget ? "→" : "";
    }
  }

  build(reply) {
    this.rows.clear();
    for (let id = 0; id < reply.probs.length; id++) {
      const isEnd = id === reply.end_id;
      const element = document.createElement("div");
      element.className = isEnd ? "bar-row end" : "bar-row";
      const mark = document.createElement("span");
      mark.className = "bar-mark";
      mark.title = "the right next character";
      const label = document.createElement("span");
      label.className = "bar-label";
      label.textContent = isEnd ? END_GLYPH : reply.vocab[id];
      if (isEnd) label.title = END_NAME;
      const track = document.createElement("span");
      track.className = "bar-track";
      const ghost = document.createElement("span");
      ghost.className = "bar-ghost";
      const fill = document.createElement("span");
      fill.className = "bar-fill";
      track.append(fill, ghost);   // the outline on top, so it shows over a longer bar
      const value = document.createElement("span");
      value.className = "bar-value";
      element.append(mark, label, track, value);
      if (isEnd) {
        const note = document.createElement("span");
        note.className = "bar-note";
        note.textContent = "stop here";
        track.append(note);
      }
      this.rows.set(id, { element, fill, ghost, value, mark, shown: {} });
    }
  }
}
