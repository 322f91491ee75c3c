// The embedding map: the characters themselves drawn at the 2-D PCA coordinates of their embedding rows, with the
// share of variance each axis explains and the step. Vowels are ringed and the end token is a diamond, so the
// classes do not rest on colour alone. Axis signs are held against the previous frame and the scale only grows, so
// letters drift instead of jumping; they glide between snapshots unless the reader prefers reduced motion (CSS).
// Letters that would cover each other are pushed apart (trace.js spreadLabels), a thin line back to their point.
// The character the followed name reads at its position is highlighted. A table gives the same numbers as text.
// It draws `embeddings` replies; asking is the wiring's job. It lives in the diagram's token embedding stage.

import { END_GLYPH, END_NAME, alignSigns, mapBounds, tokenKind } from "./insight.js";
import { InsightView, textRow } from "./insight-view.js";
import { spreadLabels } from "./trace.js";

const $ = (id) => document.getElementById(id);
// The SVG namespace, taken from the page's own <svg> (so no URL is written here).
const SVG = document.getElementById("emb-map").namespaceURI;
const SIZE = 320;                 // the map's own units; CSS scales the SVG to its box
const PAD = 22;
const LABEL_RADIUS = 10;          // a letter's room on the map, in its units (a ring is 9, the current one 11)

function svg(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

// Each kind of token in words, for the table and the marks' tooltips.
const KIND_WORDS = { vowel: "vowel", other: "consonant or other", end: "end token" };

export class EmbeddingView extends InsightView {
  constructor() {
    super({ root: "embeddings", caption: "emb-caption" });
    this.map = $("emb-map");
    this.map.setAttribute("viewBox", `0 0 ${SIZE} ${SIZE}`);
    this.clear();
  }

  clear(message) {
    this.previous = null;
    this.bound = 0;
    this.marks = new Map();
    this.labels = "";
    this.map.replaceChildren();
    $("emb-table-body").replaceChildren();
    super.clear(message);
  }

  // reply: {step, tokens: {labels, ids, points, explained}, positions: {…}}; the end token has the largest id.
  update(reply) {
    const { labels, ids, points: raw, explained } = reply.tokens;
    const endIndex = ids.indexOf(Math.max(...ids));
    const key = labels.join("\u0000");
    if (key !== this.labels) {
      this.clear();
      this.labels = key;
      this.build(labels, endIndex);
      if (this.current) this.markCurrent(this.current);
    }
    const { points } = alignSigns(raw, this.previous);
    this.previous = points;
    this.bound = mapBounds(points, this.bound);
    const scale = (SIZE / 2 - PAD) / this.bound;
    // Screen y grows downwards; the map's y grows upwards like any chart.
    const screen = points.map(([x, y]) => [SIZE / 2 + x * scale, SIZE / 2 - y * scale]);
    const offsets = spreadLabels(screen, LABEL_RADIUS);
    screen.forEach(([x, y], i) => {
      const place = `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px)`;
      const mark = this.marks.get(i);
      if (mark.style.transform !== place) mark.style.transform = place;
      const [dx, dy] = offsets[i].map((d) => d.toFixed(1));
      const glyph = mark.querySelector(".emb-glyph");
      const shift = `translate(${dx} ${dy})`;
      if (glyph.getAttribute("transform") !== shift) {
        glyph.setAttribute("transform", shift);
        const leader = mark.querySelector(".emb-leader");
        leader.setAttribute("x2", dx);
        leader.setAttribute("y2", dy);
        leader.style.display = Math.hypot(offsets[i][0], offsets[i][1]) > 2 ? "" : "none";
      }
    });
    const [first, second] = explained.map((share) => `${Math.round(100 * share)}%`);
    $("emb-x").textContent = `axis 1 · ${first} of the variance`;
    $("emb-y").textContent = `axis 2 · ${second}`;
    this.caption.textContent = `Step ${reply.step}: ${labels.length} tokens; the two axes show ${first} and ` +
      `${second} of how the embeddings vary.`;
    this.map.setAttribute("aria-label", this.caption.textContent);
    $("emb-table-body").replaceChildren(...points.map(([x, y], i) => textRow([
      i === endIndex ? `${END_GLYPH} ${END_NAME}` : labels[i], KIND_WORDS[tokenKind(labels[i], i === endIndex)],
      x.toFixed(3), y.toFixed(3)])));
  }

  // The character read at the followed position (a vocabulary label, "<start>" for the start token): highlighted.
  markCurrent(label) {
    this.current = label;
    for (const mark of this.marks.values()) {
      const isEnd = mark.classList.contains("end");
      mark.classList.toggle("current", label === "<start>" || label === "<end>" ? isEnd : mark.dataset.label === label);
    }
  }

  build(labels, endIndex) {
    const axes = svg("g", { class: "emb-axes" });
    axes.append(svg("line", { x1: PAD / 2, y1: SIZE / 2, x2: SIZE - PAD / 2, y2: SIZE / 2 }),
      svg("line", { x1: SIZE / 2, y1: PAD / 2, x2: SIZE / 2, y2: SIZE - PAD / 2 }));
    this.map.append(axes);
    labels.forEach((text, i) => {
      const kind = tokenKind(text, i === endIndex);
      const mark = svg("g", { class: `emb-mark ${kind}` });
      mark.dataset.label = text;
      mark.append(svg("line", { class: "emb-leader", x1: 0, y1: 0, x2: 0, y2: 0 }), svg("circle", { class: "emb-point", r: 1.6 }));
      const shape = svg("g", { class: "emb-glyph" });
      shape.append(svg("circle", { class: "emb-ring", r: 9 }));
      if (kind === "end") shape.append(svg("rect", { x: -7, y: -7, width: 14, height: 14, transform: "rotate(45)" }));
      const glyph = svg("text", { "text-anchor": "middle", "dominant-baseline": "central" });
      glyph.textContent = kind === "end" ? "" : text;
      shape.append(glyph);
      mark.append(shape);
      const title = svg("title");
      title.textContent = kind === "end" ? END_NAME : `${text} (${KIND_WORDS[kind]})`;
      mark.append(title);
      this.marks.set(i, mark);
      this.map.append(mark);
    });
  }
}
