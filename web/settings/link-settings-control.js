// The settings as the page's link carries them, between the link (share-control.js, Back/Forward, this browser's kept
// settings) and the form and data panel: reading them, showing a link's (they wait while a model is locked and come
// once it is not), "Vary this run", and the colour theme the Share card names.

import { linkSettings } from "./hash.js";
import { isLocked } from "../base/phases.js";
import { textsWithSettings } from "../runs/runs.js";

export class LinkSettings {
  // form: the settings form; data: the DataPanel; embedView: the embed widget's view, or null; phase(): the page's
  // phase; onApplied(): settings were shown (Python checks them, previews the data); onVaried(): Vary put a run's
  // settings in the form (one new history entry).
  constructor({ form, data, embedView, phase, onApplied, onVaried }) {
    Object.assign(this, { form, data, embedView, phase, onApplied, onVaried });
    this.pending = null;            // a link's settings waiting for the model to be unlocked
  }

  read() {
    return linkSettings(this.form.texts(), this.data.shared());
  }

  // Show settings from a link or a history entry. A locked model's settings cannot change under it: they wait.
  apply(link) {
    if (isLocked(this.phase())) {
      this.pending = link;
      return;
    }
    this.pending = null;
    this.form.setTexts(link.values);
    this.applyTheme();
    this.data.restore(link.values.source ?? "builtin", link.text, link.textMissing);
    this.embedView?.showSettings(this.form.specs, link.values, this.data.shared().source);
    this.onApplied();
  }

  // The phase changed: settings from Back/Forward that arrived while the model was locked are shown once it is not.
  phaseChanged(phase) {
    if (this.pending && !isLocked(phase)) this.apply(this.pending);
  }

  // "Vary this run": its settings and data go back into the form (the sampling settings stay as they are); the
  // reader changes one thing and trains again.
  vary(run) {
    const texts = textsWithSettings(this.form.texts(), run.config, { sampling: false });
    this.apply({ values: { ...texts, source: run.data.source }, text: run.data.text ?? "" });
    this.onVaried();
    document.getElementById("settings-title").scrollIntoView({ block: "start" });
  }

  // The colours the Share card's theme names (boot.js applied the link's before the first paint); auto: the system's.
  applyTheme() {
    const theme = this.form.value("theme");
    if (theme === "auto") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }
}
