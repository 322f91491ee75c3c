// Wires the three insight views (next character, attention, embeddings) to Python: each view asks for its data when
// its input changes, one request at a time (insight.js's Pacer). While training runs, the views take turns: at a
// chunk boundary at most one view asks, at most every PACE_MS (≤ 2 requests per second for all views together), and
// only a view that is open and on screen, so that looking inside does not slow training. Replies for a run the page
// has moved past are dropped. The views draw; this file decides nothing about what they show.

import { Pacer } from "./insight.js";
import { isRunning } from "../base/phases.js";
import { NextTokenView } from "./next-token-view.js";
import { AttentionView } from "./attention-view.js";
import { EmbeddingView } from "./embedding-map-view.js";

const PACE_MS = 500;      // while training: one view's request per chunk boundary, ≤ 2 per second in all
const TEMPERATURE_FIELD = "setting-temperature";

export class InsightPanel {
  // on: base/events.js's `on`; the panel follows the run through the page's events.
  constructor(on) {
    this.request = null;           // (type, payload) => Promise, once Python answers
    this.hasModel = false;
    this.generation = 0;           // bumped when the run changes: older replies are dropped
    this.views = {
      next_token: new NextTokenView({ onEdit: () => this.edited("next_token"), onTemperature: (value) => this.shareTemperature(value) }),
      attention: new AttentionView({ onEdit: () => this.edited("attention") }),
      embeddings: new EmbeddingView(),
    };
    this.turn = new Pacer(PACE_MS);         // the training-time gate shared by all views
    this.lastTurn = -1;
    this.pacers = Object.fromEntries(Object.keys(this.views).map((type) => [type, new Pacer(PACE_MS)]));
    // Replies drawn and the main-thread time spent drawing them, per view (the page benchmark reports both).
    this.drawn = Object.fromEntries(Object.keys(this.views).map((type) => [type, 0]));
    this.drawMs = Object.fromEntries(Object.keys(this.views).map((type) => [type, 0]));
    this.onScreen = new Map(Object.keys(this.views).map((type) => [type, false]));
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) this.onScreen.set(entry.target.dataset.view, entry.isIntersecting);
      this.refresh({ edited: true });
    });
    for (const [type, view] of Object.entries(this.views)) {
      view.root.dataset.view = type;
      observer.observe(view.root);
      view.root.addEventListener("toggle", () => this.refresh({ edited: true, only: type }));
    }
    document.addEventListener("visibilitychange", () => this.refresh({ edited: true }));
    on("ready", ({ request }) => this.attach(request));
    on("configured", () => this.started());
    on("progress", () => this.stepped());
    on("finished", () => this.refresh({ edited: true }));
    on("cleared", () => this.cleared());
    on("lost", () => this.cleared());
    on("sampled", ({ samples }) => this.samples(samples));
    on("phase", ({ phase }) => document.getElementById("insight").classList.toggle("training", isRunning(phase)));
    // The Samples form keeps the one sampling temperature; the slider follows what is typed there.
    document.addEventListener("input", (event) => {
      if (event.target.id === TEMPERATURE_FIELD) {
        this.views.next_token.setTemperature(Number(event.target.value));
        this.edited("next_token");
      }
    });
  }

  // Python is ready: request(type, payload) sends a Session request.
  attach(request) {
    this.request = request;
    const field = document.getElementById(TEMPERATURE_FIELD);
    if (field) this.views.next_token.setTemperature(Number(field.value));
  }

  visible(type) {
    return this.views[type].isOpen() && this.onScreen.get(type) && document.visibilityState === "visible";
  }

  // A new model exists (configured or loaded): everything shown so far belongs to the old one.
  started() {
    this.generation++;
    this.hasModel = true;
    for (const view of Object.values(this.views)) view.clear("Asking the model…");
    for (const pacer of Object.values(this.pacers)) pacer.answered();
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
  }

  samples(names) {
    this.views.attention.showSamples(names);
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
        view.update(reply);
        this.drawMs[type] += performance.now() - start;
        this.drawn[type]++;
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

  // The slider moved: the Samples form's temperature follows, as if typed there (so the link and checks see it).
  shareTemperature(value) {
    const field = document.getElementById(TEMPERATURE_FIELD);
    if (!field || field.disabled) return;
    field.value = String(value);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
}
