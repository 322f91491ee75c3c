// The embedding map: the characters themselves drawn at the 2-D PCA coordinates of their embedding rows, with the
// share of variance each axis explains and the step. Vowels are ringed and the end token is a diamond, so the
// classes do not rest on colour alone. Axis signs are held against the previous frame and the scale only grows, so
// letters drift instead of jumping; they glide between snapshots unless the reader prefers reduced motion (CSS).
// A table gives the same numbers as text. It draws `embeddings` replies; asking is the wiring's job.

import { END_GLYPH, END_NAME, alignSigns, mapBounds, tokenKind } from "./insight.js";
import { InsightView, textRow } from "./insight-view.js";

const $ = (id) => document.getElementById(id);
// The SVG namespace, taken from the page's own <svg> (so no URL is written here).
const SVG = document.getElementById("emb-map").namespaceURI;
const SIZE = 320;                 // the map's own units; CSS scales the SVG to its box
const PAD = 22;

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
    }
    const { points } = alignSigns(raw, this.previous);
    this.previous = points;
    this.bound = mapBounds(points, this.bound);
    const scale = (SIZE / 2 - PAD) / this.bound;
    points.forEach(([x, y], i) => {
      // Screen y grows downwards; the map's y grows upwards like any chart.
      const place = `translate(${(SIZE / 2 + x * scale).toFixed(1)}px, ${(SIZE / 2 - y * scale).toFixed(1)}px)`;
      const mark = this.marks.get(i);
      if (mark.style.transform !== place) mark.style.transform = place;
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

  build(labels, endIndex) {
    const axes = svg("g", { class: "emb-axes" });
    axes.append(svg("line", { x1: PAD / 2, y1: SIZE / 2, x2: SIZE - PAD / 2, y2: SIZE / 2 }),
      svg("line", { x1: SIZE / 2, y1: PAD / 2, x2: SIZE / 2, y2: SIZE - PAD / 2 }));
    this.map.append(axes);
    labels.forEach((text, i) => {
      const kind = tokenKind(text, i === endIndex);
      const mark = svg("g", { class: `emb-mark ${kind}` });
      if (kind === "vowel") mark.append(svg("circle", { r: 9 }));
      if (kind === "end") mark.append(svg("rect", { x: -7, y: -7, width: 14, height: 14, transform: "rotate(45)" }));
      const glyph = svg("text", { "text-anchor": "middle", "dominant-baseline": "central" });
      glyph.textContent = kind === "end" ? "" : text;
      mark.append(glyph);
      const title = svg("title");
      title.textContent = kind === "end" ? END_NAME : `${text} (${KIND_WORDS[kind]})`;
      mark.append(title);
      this.marks.set(i, mark);
      this.map.append(mark);
    });
  }
}
