// Two views for learning by looking: one training step under the microscope (after "Step once" while paused) and the
// shapes of the forward pass for the current settings, as notes beside the Code step's lines (the diagram in "Look
// inside" shows the same shapes stage by stage). Python computes both (`step_once`, `shapes`); step.js and shapes.js
// word them; this module only puts them in the DOM, as text.

import { on } from "../base/events.js";
import { annotationsByLine } from "./shapes.js";
import { lossSummary, pageMatrixName, positionRows, topUpdates } from "./step.js";
import { plainNumber } from "../base/format.js";

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

// The microscope opens in step 4, far below Step once: a cue beside the button says where it is and links to it;
// only a keyboard press (a click with no pointer: detail 0) is taken there, focus on its heading. A pointer user
// keeps their place.
export class MicroscopeView {
  constructor() {
    this.byKeyboard = false;
    $("step-once").addEventListener("click", (event) => { this.byKeyboard = event.detail === 0; });
    $("step-cue-show").addEventListener("click", () => this.reveal());
    on("stepped", (reply) => this.show(reply));
    on("cleared", () => this.hide());
    on("phase", ({ phase }) => { if (phase === "training") this.hide(); });
  }

  // Take the reader to the microscope (never inside an embed, whose scrolling would move the host page).
  reveal() {
    if (document.documentElement.classList.contains("embed")) return;
    $("microscope-title").focus({ preventScroll: true });
    $("microscope").scrollIntoView({ block: "start",
      behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }

  hide() {
    $("microscope").hidden = true;
    $("step-cue").hidden = true;
  }

  show(reply) {
    $("microscope").hidden = false;
    $("step-cue-text").textContent = `Step ${reply.event.step.toLocaleString("en")} is under the microscope, in ` +
      "step 4 below: ";
    $("step-cue").hidden = false;
    if (this.byKeyboard) this.reveal();
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
    $("microscope-updates").replaceChildren(...topUpdates(reply).map(({ name, update, grad, relative, share }) => {
      const bar = cell("td", plainNumber(update), "num p-bar");
      bar.style.setProperty("--p", String(share));
      return row([cell("td", pageMatrixName(name), "token"), bar, cell("td", plainNumber(grad), "num"),
        cell("td", relative === null ? "–" : `${plainNumber(100 * relative)} %`, "num")]);
    }));
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
