// The diagram of one name followed through the model (step "Look inside"): the one input of the section (a name,
// typed or picked, and a position in it), then every stage of the forward pass in the order of model.py, each with
// its shape for the model's settings and, opened, its real numbers at the chosen position as a row of coloured
// cells (value on hover or focus, a table for screen readers) and a link to its lines in the Code step. After
// "Step once on this name" each stage is shaded by how much the step's loss blames it, and a table lists what Adam
// changed in each weight matrix. The other views live inside stages (parts): the embedding map at the token
// embedding, the attention maps at each layer's attention weights, the next-character bars at the softmax.
// It draws `trace` replies; asking is the wiring's job (insight-control.js); trace.js decides the words and scales.

import { matrixName } from "../base/format.js";
import { END_GLYPH, END_NAME } from "./insight.js";
import {
  blame, cellShades, glyph, gradNorm, keptPosition, numberText, positionsOf, rowsOf, shapeWords,
  stageGroups, stepSentence,
} from "./trace.js";

const $ = (id) => document.getElementById(id);
// Stages open at first: where the other views live, and the probability of the right next character.
const OPEN_AT_FIRST = new Set(["tok_emb", "weights", "probs", "p"]);
// Where each part lives: stage name -> part id (attention: layer 1's; each layer gets its own maps' slot).
const PARTS = { tok_emb: "embeddings", weights: "attention", probs: "next-token" };

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class DiagramView {
  // onInput(): the name or the position changed; onToggle(): a stage was opened or closed (parts may now be seen).
  constructor({ onInput, onToggle }) {
    this.onInput = onInput;
    this.onToggle = onToggle;
    this.input = $("trace-name");
    this.list = $("diagram");
    this.caption = $("trace-caption");
    this.empty = this.caption.textContent;
    this.position = 1;
    this.reply = null;
    this.structure = "";
    this.stages = new Map();        // id -> {stage, details, body, summary, cells, grads, readout, table}
    this.open = new Map();          // stage id -> open, as the learner left it (kept across rebuilds)
    this.names = { samples: [], training: [] };
    this.input.addEventListener("input", () => this.nameChanged());
    $("trace-samples").addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      this.input.value = button.dataset.name;
      this.nameChanged();
    });
    $("trace-positions").addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      this.position = Number(button.dataset.position);
      this.drawPositions();
      this.onInput();
    });
    this.list.addEventListener("keydown", (event) => this.move(event));
    this.list.addEventListener("focusin", (event) => this.readOut(event.target));
    this.list.addEventListener("pointerover", (event) => this.readOut(event.target));
    this.drawPositions();
  }

  name() {
    return this.input.value;
  }

  request() {
    return { name: this.name(), position: this.position };
  }

  nameChanged() {
    this.position = keptPosition(this.position, this.name());
    this.drawPositions();
    this.onInput();
  }

  // One button per position: it reads its character (◆ at 0) and predicts the next.
  drawPositions() {
    const positions = this.name() === "" ? [] : positionsOf(this.name());
    $("trace-positions").replaceChildren(...positions.map(({ position, reads, predicts }) => {
      const button = element("button", "position", reads);
      button.type = "button";
      button.dataset.position = String(position);
      button.setAttribute("aria-pressed", String(position === this.position));
      const readsWords = reads === END_GLYPH ? "the start token" : `“${reads}”`;
      const predictsWords = predicts === END_GLYPH ? "the end" : `“${predicts}”`;
      button.setAttribute("aria-label", `position ${position}: reads ${readsWords}, predicts ${predictsWords}`);
      return button;
    }));
  }

  // Names to pick: the newest samples and a few training names (the data summary's examples).
  showNames({ samples = this.names.samples, training = this.names.training }) {
    this.names = { samples: samples.filter(Boolean).slice(0, 8), training: training.filter(Boolean).slice(0, 6) };
    const seen = new Set();
    const chips = [];
    for (const [kind, names] of [["sample", this.names.samples], ["training name", this.names.training]]) {
      for (const name of names) {
        if (seen.has(name)) continue;
        seen.add(name);
        const button = element("button", `chip ${kind === "sample" ? "" : "training"}`.trim(), name);
        button.type = "button";
        button.dataset.name = name;
        button.title = kind;
        chips.push(button);
      }
    }
    $("trace-samples").replaceChildren(...chips);
    $("trace-pick").hidden = chips.length === 0;
  }

  error(message) {
    $("trace-message").textContent = message ?? "";
    $("trace-message").hidden = !message;
    this.input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  clear(message = this.empty) {
    this.reply = null;
    this.blamed = null;
    this.structure = "";
    this.stages.clear();
    this.parkParts();
    this.list.replaceChildren();
    this.caption.textContent = message;
    $("trace-step-result").hidden = true;
    this.error(null);
  }

  // The parts go back to their hidden shelf before the stages they live in are thrown away.
  parkParts() {
    const shelf = $("insight-parts");
    for (const id of Object.values(PARTS)) shelf.append($(id));
  }

  // reply: a `trace` reply (docs/PROTOCOL.md); with `training_step` its stages carry the step's gradients.
  update(reply) {
    // A plain reply for the very name, position and step a "Step once on this name" just showed would only
    // replace its gradients by nothing: the step's picture stays until something changes.
    const blamed = this.blamed;
    if (!reply.training_step && blamed && blamed.name === reply.name && blamed.position === reply.position &&
        blamed.step === reply.step) return;
    this.blamed = reply.training_step ? reply : null;
    this.error(null);
    this.reply = reply;
    const structure = JSON.stringify([reply.config, reply.stages.map((stage) => [stage.id, stage.shape]),
      reply.labels, reply.position]);
    if (structure !== this.structure) this.build(reply);
    this.structure = structure;
    const shares = blame(reply.stages);
    for (const stage of reply.stages) this.fill(this.stages.get(stage.id), stage, shares[stage.id]);
    const target = reply.target.label;
    const targetWords = target === "<end>" ? `${END_GLYPH} ${END_NAME}` : `“${target}”`;
    const reads = reply.input.label === "<start>" ? "the start token" : `“${reply.input.label}”`;
    this.caption.textContent = `“${reply.name}” at position ${reply.position}: the model reads ${reads} and gives the ` +
      `right next character ${targetWords} a probability of ${(100 * reply.p).toFixed(1)}% (loss ` +
      `${reply.loss.toFixed(3)}). Step ${reply.step}, ${reply.config.n_layer} layer${reply.config.n_layer > 1 ? "s" : ""}` +
      `, ${reply.engine} engine.`;
    this.showStep(reply);
  }

  build(reply) {
    this.parkParts();
    this.stages.clear();
    const groups = stageGroups(reply.stages).map((group) => {
      const item = element("li", "stage-group");
      item.dataset.group = group.key;
      const title = element("h4", "group-title", group.title);
      const stages = element("ol", "diagram-stages");
      stages.setAttribute("aria-label", group.title);
      stages.append(...group.stages.map((stage) => this.buildStage(stage, reply)));
      item.append(title, stages);
      return item;
    });
    this.list.replaceChildren(...groups);
    // The attention block (legend, caption, readout) sits with layer 1's maps.
    for (const [name, id] of Object.entries(PARTS)) {
      const host = this.stages.get(name === "weights" ? "layer1.weights" : name);
      if (host) host.partSlot.append($(id));
    }
  }

  buildStage(stage, reply) {
    const item = element("li", "stage");
    item.dataset.stage = stage.id;
    item.dataset.name = stage.name;
    const details = element("details", "stage-box");
    details.open = this.open.get(stage.id) ?? OPEN_AT_FIRST.has(stage.name);
    details.addEventListener("toggle", () => {
      this.open.set(stage.id, details.open);
      if (details.open && this.reply) {
        const current = this.reply.stages.find((candidate) => candidate.id === stage.id);
        if (current) this.fill(this.stages.get(stage.id), current, blame(this.reply.stages)[stage.id]);
      }
      this.onToggle();
    });
    const summary = element("summary");
    const label = element("span", "stage-label", stage.label);
    summary.append(label);
    if (stage.matrix) summary.append(element("code", "stage-matrix", stage.matrix.split(".").at(-1)));
    summary.append(element("span", "stage-shape", shapeWords(stage, reply.config)));
    const value = element("span", "stage-value");
    const blameText = element("span", "stage-blame");
    blameText.hidden = true;
    summary.append(value, blameText);
    const body = element("div", "stage-body");
    const cells = element("div", "cell-rows");
    const grads = element("div", "cell-rows grad-rows");
    grads.hidden = true;
    const readout = element("p", "readout stage-cell-readout");
    readout.setAttribute("aria-live", "polite");
    const links = element("p", "stage-links");
    if (stage.lines) {
      const link = element("button", "link-button", stage.lines.first === stage.lines.last
        ? `model.py line ${stage.lines.first}` : `model.py lines ${stage.lines.first}–${stage.lines.last}`);
      link.type = "button";
      link.dataset.codeLines = `${stage.lines.first}-${stage.lines.last}`;
      link.dataset.codeModule = reply.code.module;
      link.dataset.codeTitle = stage.layer ? `Layer ${stage.layer}: ${stage.label}` : stage.label;
      link.setAttribute("aria-label", `${link.textContent}: the code of ${link.dataset.codeTitle}, in the Code step`);
      links.append(link);
    }
    const asTable = element("details", "as-table");
    asTable.append(element("summary", null, "Numbers as a table"));
    const table = element("table", "data-table stage-table");
    asTable.append(table);
    asTable.addEventListener("toggle", () => {
      const current = this.reply?.stages.find((candidate) => candidate.id === stage.id);
      if (asTable.open && current) this.fillTable(this.stages.get(stage.id), current);
    });
    const partSlot = element("div", "part-slot");
    // The attention weights stage holds its layer's maps (attention-view.js draws them).
    const heatmaps = stage.name === "weights" ? element("div", "heatmaps") : null;
    if (heatmaps) heatmaps.dataset.layer = String(stage.layer ?? "");
    const scalar = stage.shape.length === 0;
    body.append(...(scalar ? [] : [cells, grads, readout]), links, ...(scalar ? [] : [asTable]), partSlot,
      ...(heatmaps ? [heatmaps] : []));
    details.append(summary, body);
    item.append(details);
    this.stages.set(stage.id, { item, details, summary, value, blameText, cells, grads, readout, asTable, table,
      partSlot, heatmaps, shown: "" });
    return item;
  }

  // Where an attention layer's maps go (attention-view.js asks).
  heatmapSlot(layer) {
    return this.stages.get(`layer${layer}.weights`)?.heatmaps ?? null;
  }

  // Every layer's slot for its maps, in the diagram as it is now.
  heatmapSlots() {
    return [...this.stages.values()].map((stage) => stage.heatmaps).filter(Boolean);
  }

  fill(view, stage, share) {
    if (!view) return;
    // The summary line is always current: the number of a scalar stage, the blame of a stage with a gradient.
    if (stage.shape.length === 0) {
      view.value.textContent = stage.name === "p" ? `${(100 * stage.values).toFixed(1)}% · ${numberText(stage.values)}`
        : numberText(stage.values);
      view.item.dataset.value = String(stage.values);
    }
    const norm = gradNorm(stage.grad);
    view.blameText.hidden = norm === null;
    view.item.classList.toggle("blamed", norm !== null);
    if (norm !== null) {
      view.blameText.textContent = `gradient size ${numberText(norm)}`;
      view.item.style.setProperty("--share", share.toFixed(3));
      view.item.dataset.blame = share.toFixed(3);
    } else {
      view.item.style.removeProperty("--share");
      delete view.item.dataset.blame;
    }
    if (!view.details.open || stage.shape.length === 0) return;
    this.fillCells(view.cells, stage, stage.values, "value");
    view.grads.hidden = stage.grad === null;
    if (stage.grad !== null) this.fillCells(view.grads, stage, stage.grad, "grad");
    if (view.asTable.open) this.fillTable(view, stage);
  }

  // One row of cells per head (or one row), coloured on a diverging scale; cells are rebuilt only when the count
  // changes, otherwise their shade and title are rewritten.
  fillCells(container, stage, values, kind) {
    const rows = rowsOf(values);
    const shades = cellShades(rows);
    const heads = rows.length > 1 || stage.shape.length === 2;
    const shape = rows.map((row) => row.length).join(",");
    if (container.dataset.shape !== shape) {
      container.dataset.shape = shape;
      container.replaceChildren(...rows.map((row, r) => {
        const line = element("div", "cell-row");
        const name = kind === "grad" ? "gradient" : heads ? `head ${r + 1}` : "";
        line.append(element("span", "row-label", heads && kind === "grad" ? `grad, head ${r + 1}` : name));
        const strip = element("span", `cells ${kind}`);
        strip.append(...row.map((_, c) => {
          const cell = element("span", "cell");
          cell.dataset.row = String(r);
          cell.dataset.col = String(c);
          cell.dataset.kind = kind;
          cell.tabIndex = r === 0 && c === 0 && kind === "value" ? 0 : -1;
          return cell;
        }));
        line.append(strip);
        return line;
      }));
    }
    const strips = container.querySelectorAll(".cells");
    rows.forEach((row, r) => row.forEach((x, c) => {
      const cell = strips[r].children[c];
      // 21 shades (steps of 0.1), so that an update during training restyles only the cells that visibly change.
      const shade = (Math.round(shades[r][c] * 10) / 10).toFixed(1);
      if (cell.dataset.shade !== shade) {
        cell.dataset.shade = shade;
        cell.style.setProperty("--pos", String(Math.max(0, shade)));
        cell.style.setProperty("--neg", String(Math.max(0, -shade)));
      }
      const title = `${this.cellName(stage, r, c)}: ${numberText(x)}`;
      if (cell.title !== title) cell.title = title;
    }));
  }

  // A cell in words: "head 2, dimension 3", "neuron 12", "“m”", "head 1, position 2 (“m”)".
  cellName(stage, row, col) {
    const reply = this.reply;
    const head = stage.shape.length === 2 ? `head ${row + 1}, ` : "";
    if (stage.name === "scores" || stage.name === "weights") {
      return `${head}position ${col} (${glyph(reply.labels[col])})`;
    }
    if (stage.name === "logits" || stage.name === "probs") {
      const label = reply.vocab_labels[col];
      return label === "<end>" ? `${END_GLYPH} ${END_NAME}` : `“${label}”`;
    }
    if (stage.name === "fc1" || stage.name === "relu") return `neuron ${col}`;
    return `${head}dimension ${col}`;
  }

  fillTable(view, stage) {
    const values = rowsOf(stage.values);
    const grads = stage.grad === null ? null : rowsOf(stage.grad);
    const head = element("thead");
    const titles = ["Which", "Value", ...(grads ? ["Gradient"] : [])];
    const headRow = element("tr");
    headRow.append(...titles.map((text) => Object.assign(element("th", null, text), { scope: "col" })));
    head.append(headRow);
    const body = element("tbody");
    values.forEach((row, r) => row.forEach((x, c) => {
      const tr = element("tr");
      tr.append(element("td", null, this.cellName(stage, r, c)), element("td", null, numberText(x)),
        ...(grads ? [element("td", null, numberText(grads[r][c]))] : []));
      body.append(tr);
    }));
    const caption = element("caption", "visually-hidden", `${stage.label}${stage.layer ? `, layer ${stage.layer}` : ""}`);
    view.table.replaceChildren(caption, head, body);
  }

  // Arrow keys move the focus along a stage's cells (and between its rows).
  move(event) {
    const cell = event.target.closest?.(".cell");
    const step = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0],
      Home: [0, -Infinity], End: [0, Infinity] }[event.key];
    if (!cell || !step) return;
    event.preventDefault();
    const strips = [...cell.closest(".stage-body").querySelectorAll(".cells")];
    const r = Math.min(strips.length - 1, Math.max(0, strips.indexOf(cell.parentElement) + step[0]));
    const c = Math.min(strips[r].children.length - 1, Math.max(0, Number(cell.dataset.col) + step[1]));
    const next = strips[r].children[c];
    cell.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }

  readOut(target) {
    const cell = target.closest?.(".cell");
    if (!cell) return;
    const readout = cell.closest(".stage-body").querySelector(".stage-cell-readout");
    readout.textContent = `${cell.dataset.kind === "grad" ? "gradient of " : ""}${cell.title}`;
  }

  // After "Step once on this name": the step in a sentence and, per weight matrix, what Adam changed.
  showStep(reply) {
    const step = reply.training_step;
    $("trace-step-result").hidden = !step;
    if (!step) return;
    $("trace-step-sentence").textContent = stepSentence(reply);
    $("trace-updates").replaceChildren(...step.updates.map((update) => {
      const row = element("tr");
      const changes = update.largest.slice(0, 3).map((change) =>
        `[${change.row}, ${change.col}] ${numberText(change.before)} → ${numberText(change.after)}`).join("; ");
      row.append(element("td", "token", matrixName(update.layer, update.part)),
        element("td", "num", numberText(update.grad_norm)),
        element("td", "num", numberText(update.update_norm)), element("td", "code", changes));
      return row;
    }));
  }

  // The step button: allowed while paused (like Step once), else why not.
  setStepAllowed(allowed, busy = false) {
    $("trace-step").disabled = !allowed || busy;
    $("trace-step-reason").textContent = busy ? "Taking one step…"
      : allowed ? "One real training step on this name, in place of the next scheduled one."
        : "Pause training to take one step on this name.";
  }
}
