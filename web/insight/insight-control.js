// Wires the "Look inside" section to Python: the diagram of one followed name (`trace`) and the views that live in
// its stages (next character, attention, embeddings) share its one input, and each asks for its data when that
// input changes, one request at a time (insight.js's Pacer). While training runs, they take turns: at a chunk
// boundary at most one asks, at most every PACE_MS (≤ 2 requests per second for all together; less often when an
// answer costs more to show, see pace()), and only one that is open and on screen, so that looking inside does not
// slow training. "Step once on this name" and the graph of one neuron ask only when pressed. Replies for a run the
// page has moved past are dropped. The views draw; this file decides nothing about what they show.

import { Pacer } from "./insight.js";
import { isRunning } from "../base/phases.js";
import { DiagramView } from "./diagram-view.js";
import { NextTokenView } from "./next-token-view.js";
import { AttentionView } from "./attention-view.js";
import { EmbeddingView } from "./embedding-map-view.js";
import { GraphView } from "./graph-view.js";

const PACE_MS = 500;      // while training: one view's request per chunk boundary, ≤ 2 per second in all
// ... and slower when an answer costs more to show: the browser's drawing of it (our code, then restyle, layout and
// paint, which with every stage open on a tall screen is most of it) stays under this share of the time.
const BUSY_SHARE = 0.1;
const SLOWEST_PACE_MS = 5000;
const TEMPERATURE_FIELD = "setting-temperature";

export class InsightPanel {
  // on: base/events.js's `on`; the panel follows the run through the page's events. step(type, payload): one
  // training step through the run's own bookkeeping (run-control.js takeStep), resolving with the reply.
  constructor(on, { step }) {
    this.request = null;           // (type, payload) => Promise, once Python answers
    this.step = step;
    this.hasModel = false;
    this.canStep = false;
    this.stepping = false;
    this.generation = 0;           // bumped when the run changes: older replies are dropped
    const diagram = new DiagramView({ onInput: () => this.refresh({ edited: true }), onToggle: () => this.refresh({ edited: true }) });
    this.diagram = diagram;
    const prefix = () => {
      const { name, position } = diagram.request();
      return [...name].slice(0, position).join("");
    };
    this.views = {
      trace: diagram,
      next_token: new NextTokenView({ prefix, onEdit: () => this.edited("next_token"),
        onTemperature: (value) => this.shareTemperature(value) }),
      attention: new AttentionView({ text: () => diagram.name(), slot: (layer) => diagram.heatmapSlot(layer),
        slots: () => diagram.heatmapSlots() }),
      embeddings: new EmbeddingView(),
    };
    this.graph = new GraphView({ onDraw: () => this.drawGraph() });
    this.turn = new Pacer(PACE_MS);         // the training-time gate shared by all views
    this.lastTurn = -1;
    this.pacers = Object.fromEntries(Object.keys(this.views).map((type) => [type, new Pacer(PACE_MS)]));
    // Replies drawn and the main-thread time spent drawing them, per view (the page benchmark reports both).
    this.drawn = Object.fromEntries(Object.keys(this.views).map((type) => [type, 0]));
    this.drawMs = Object.fromEntries(Object.keys(this.views).map((type) => [type, 0]));
    // What of each view is on screen. The diagram is seen when its section is; a part when its stage is open and it
    // is on screen, and the attention view also when one of its layers' maps is (watchMaps).
    this.onScreen = new Map(Object.keys(this.views).map((type) => [type, new Set()]));
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const seen = this.onScreen.get(entry.target.dataset.view);
        if (entry.isIntersecting) seen.add(entry.target);
        else seen.delete(entry.target);
      }
      this.refresh({ edited: true });
    });
    const roots = { trace: document.getElementById("insight"), next_token: this.views.next_token.root,
      attention: this.views.attention.root, embeddings: this.views.embeddings.root };
    for (const [type, root] of Object.entries(roots)) this.watch(root, type);
    this.mapSlots = [];            // the attention maps' slots watched, in the diagram's stages
    document.addEventListener("visibilitychange", () => this.refresh({ edited: true }));
    document.getElementById("trace-step").addEventListener("click", () => this.stepOnName());
    on("ready", ({ request }) => this.attach(request));
    on("configured", (summary) => this.started(summary));
    on("progress", () => this.stepped());
    on("finished", () => this.refresh({ edited: true }));
    on("cleared", () => this.cleared());
    on("lost", () => this.cleared());
    on("sampled", ({ samples }) => this.samples(samples));
    on("phase", ({ phase, controls }) => {
      document.getElementById("insight").classList.toggle("training", isRunning(phase));
      this.canStep = Boolean(controls?.stepOnce);
      this.showStepping();
    });
    // The page's state keeps the one sampling temperature; the slider follows it, however it changed (typed in the
    // Samples form, its slider, a link, a loaded model).
    on("state", ({ state }) => {
      const view = this.views.next_token;
      const before = view.temperature();
      view.setTemperature(Number(state.values.temperature));
      if (view.temperature() !== before) this.edited("next_token");
    });
  }

  // Python is ready: request(type, payload) sends a Session request.
  attach(request) {
    this.request = request;
    const field = document.getElementById(TEMPERATURE_FIELD);
    if (field) this.views.next_token.setTemperature(Number(field.value));
  }

  watch(element, type) {
    element.dataset.view = type;
    this.observer.observe(element);
  }

  // A rebuilt diagram has new stages, so new slots for the attention maps: on a phone a layer's maps can fill the
  // screen while the part above them (legend, caption) is out of it, and being seen they must be asked for.
  watchMaps() {
    const seen = this.onScreen.get("attention");
    for (const slot of this.mapSlots) {
      this.observer.unobserve(slot);
      seen.delete(slot);
    }
    this.mapSlots = this.diagram.heatmapSlots();
    for (const slot of this.mapSlots) this.watch(slot, "attention");
  }

  visible(type) {
    const open = type === "trace" || this.views[type].isOpen();
    return open && this.onScreen.get(type).size > 0 && document.visibilityState === "visible";
  }

  // A new model exists (configured or loaded): everything shown so far belongs to the old one.
  started(summary) {
    this.generation++;
    this.hasModel = true;
    for (const view of Object.values(this.views)) view.clear("Asking the model…");
    this.graph.clear();
    for (const pacer of Object.values(this.pacers)) pacer.answered();
    if (summary?.examples) this.diagram.showNames({ training: summary.examples });
    this.showStepping();
    this.refresh({ edited: true });
  }

  // The model changed (a training chunk): the next view in turn that is on screen asks, if the gate allows.
  stepped() {
    if (!this.request || !this.hasModel) return;
    const now = performance.now();
    if (!this.turn.wants(now, { visible: true })) return;
    const types = Object.keys(this.views);
    for (let offset = 1; offset <= types.length; offset++) {
      const index = (this.lastTurn + offset) % types.length;
      if (this.pacers[types[index]].wants(now, { visible: this.visible(types[index]) })) {
        this.lastTurn = index;
        this.turn.asked(now);
        this.turn.answered();
        return this.ask(types[index], now);
      }
    }
  }

  // The model is gone (Reset, a lost worker).
  cleared() {
    this.generation++;
    this.hasModel = false;
    for (const view of Object.values(this.views)) view.clear();
    this.graph.clear();
    this.showStepping();
  }

  samples(names) {
    this.diagram.showNames({ samples: names });
  }

  edited(type) {
    this.refresh({ edited: true, only: type });
  }

  refresh({ edited, only = null }) {
    if (!this.request || !this.hasModel) return;
    const now = performance.now();
    for (const type of Object.keys(this.views)) {
      if (only && type !== only) continue;
      if (this.pacers[type].wants(now, { visible: this.visible(type), edited })) this.ask(type, now);
    }
  }

  async ask(type, now) {
    const view = this.views[type];
    const pacer = this.pacers[type];
    const generation = this.generation;
    pacer.asked(now);
    try {
      const reply = await this.request(type, view.request?.() ?? {});
      if (generation === this.generation) {
        const start = performance.now();
        if (type === "trace") this.traced(reply);
        else view.update(reply);
        this.drawMs[type] += performance.now() - start;
        this.drawn[type]++;
        this.pace(start);
      }
    } catch (error) {
      if (generation === this.generation) view.error?.(error.message);
    } finally {
      if (generation === this.generation) {
        pacer.answered();
        // An edit made while this request was out is answered now.
        if (pacer.stale) this.refresh({ edited: false, only: type });
      }
    }
  }

  // The training-time gate's interval from what the last answer cost to show: from drawing it to the frame after it
  // (a task queued from requestAnimationFrame runs once that frame is painted).
  pace(start) {
    requestAnimationFrame(() => setTimeout(() => {
      if (document.visibilityState !== "visible") return;     // no frame painted while hidden: nothing measured
      const costMs = performance.now() - start;
      this.turn.intervalMs = Math.min(SLOWEST_PACE_MS, Math.max(PACE_MS, costMs / BUSY_SHARE));
    }));
  }

  // A trace reply: the diagram draws it, and the parts learn what it follows (a rebuilt diagram has new slots).
  traced(reply) {
    const before = this.diagram.structure;
    this.diagram.update(reply);
    if (this.diagram.structure !== before) {
      this.views.attention.replaced();
      this.watchMaps();
    }
    this.views.attention.sketch(reply);
    this.views.next_token.reserve(reply.config.vocab_size);
    this.views.next_token.markTarget(this.diagram.reply?.target.token ?? null);
    this.views.embeddings.markCurrent(this.diagram.reply?.input.label ?? null);
    this.showStepping();
  }

  showStepping() {
    this.diagram.setStepAllowed(this.hasModel && this.canStep, this.stepping);
    this.graph.setLayers(this.diagram.reply?.config.n_layer ?? 1, this.hasModel && this.request !== null && !this.stepping);
  }

  // "Step once on this name": one real training step on the followed name (the trainer's own), then its
  // gradients on the diagram, Adam's updates in a table, and the neuron's graph with grads if that view is open.
  async stepOnName() {
    if (!this.request || !this.hasModel || this.stepping) return;
    const graph = this.graph.isOpen() ? this.graph.request() : {};
    const payload = { ...this.diagram.request(), grad: true, ...(graph.graph ? { graph: graph.graph } : {}) };
    const generation = this.generation;
    this.stepping = true;
    this.showStepping();
    try {
      const reply = await this.step("trace", payload);
      if (reply && generation === this.generation) {
        this.traced(reply);
        if (reply.graph) this.graph.update(reply.graph, reply);
      }
    } catch (error) {
      if (generation === this.generation) this.diagram.error(error.message);
    } finally {
      this.stepping = false;
      this.showStepping();
    }
  }

  // The graph of one neuron, from a forward without a step (its grads come with "Step once on this name").
  async drawGraph() {
    if (!this.request || !this.hasModel) return;
    const { graph, problem } = this.graph.request();
    if (problem) return this.graph.error(problem);
    const generation = this.generation;
    try {
      const reply = await this.request("trace", { ...this.diagram.request(), graph });
      if (generation === this.generation) this.graph.update(reply.graph, reply);
    } catch (error) {
      if (generation === this.generation) this.graph.error(error.message);
    }
  }

  // The slider moved: the Samples form's temperature follows, as if typed there (so the link and checks see it).
  shareTemperature(value) {
    const field = document.getElementById(TEMPERATURE_FIELD);
    if (!field || field.disabled) return;
    field.value = String(value);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
}
