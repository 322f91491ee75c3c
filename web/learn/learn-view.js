// Two views for learning by looking: one training step under the microscope (after "Step once" while paused) and the
// shapes of the forward pass for the current settings, as notes beside the Code step's lines (the diagram in "Look
// inside" shows the same shapes stage by stage). Python computes both (`step_once`, `shapes`); step.js and shapes.js
// word them; this module only puts them in the DOM, as text.

import { on } from "../base/events.js";
import { annotationsByLine } from "./shapes.js";
import { lossSummary, positionRows, topUpdates } from "./step.js";

const $ = (id) => document.getElementById(id);

function cell(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function row(cells) {
  const tr = document.createElement("tr");
  tr.append(...cells);
  return tr;
}

export class MicroscopeView {
  constructor() {
    on("stepped", (reply) => this.show(reply));
    on("cleared", () => this.hide());
    on("phase", ({ phase }) => { if (phase === "training") this.hide(); });
  }

  hide() {
    $("microscope").hidden = true;
  }

  show(reply) {
    $("microscope").hidden = false;
    $("microscope-doc").textContent = `Step ${reply.event.step} trained on “${reply.doc}”: ${reply.tokens.length} tokens ` +
      `(ids ${reply.tokens.join(" ")}), so ${reply.positions.length} predictions.`;
    $("microscope-rows").replaceChildren(...positionRows(reply).map(({ pos, from, to, p, loss }) => {
      const bar = cell("td", `${(100 * p).toFixed(1)} %`, "num");
      bar.style.setProperty("--p", String(p));
      bar.classList.add("p-bar");
      return row([cell("td", String(pos), "num"), cell("td", from, "token"), cell("td", to, "token"), bar,
        cell("td", loss.toFixed(4), "num")]);
    }));
    $("microscope-loss").textContent = lossSummary(reply);
    $("microscope-updates").replaceChildren(...topUpdates(reply).map(({ name, update, grad, relative }) =>
      row([cell("td", name, "token"), cell("td", update.toExponential(2), "num"), cell("td", grad.toExponential(2), "num"),
        cell("td", relative === null ? "–" : `${(100 * relative).toFixed(2)} %`, "num")])));
  }
}

export class ShapesView {
  // The settings as the form has them: shown for them once Python found no problem in them. onShapes(module, byLine,
  // summary): the annotations by line, for the code panel to show beside the source, and a sentence about them.
  constructor({ onShapes = () => {} } = {}) {
    this.onShapes = onShapes;
    this.request = null;
    this.seq = 0;
    on("ready", ({ request }) => { this.request = request; });
    on("checked", ({ config, vocabSize, ok }) => { if (ok) this.update(config, vocabSize); });
  }

  async update(config, vocabSize) {
    if (!this.request) return;
    const seq = ++this.seq;
    try {
      const reply = await this.request("shapes", { config, vocab_size: vocabSize });
      if (seq === this.seq) this.show(reply);
    } catch (error) {
      if (seq === this.seq) this.onShapes(null, new Map(), error.message);
    }
  }

  show(reply) {
    this.onShapes(reply.module, annotationsByLine(reply), `Notes: the shapes ${reply.function} computes for the ` +
      `settings in the form, ${reply.num_params.toLocaleString("en")} parameters in all.`);
  }
}
