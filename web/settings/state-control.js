// The one owner of the page's state (state.js describes it): it holds the current state, takes the reader's edits from
// the form and the Data panel, shows a state that comes from outside (a link, Back/Forward, this browser's kept
// settings, "Vary this run", a loaded model) in the form, the Data panel, the embed widget and the colours, and says
// every change as the page's "state" event (base/events.js), which the link (share-control.js) and the store
// (keep/keep-control.js) follow. A state from outside waits while the model is locked (its settings cannot change under
// it) and is shown once it is not.

import { defaults, embedOf, valuesOf } from "./state.js";
import { emit } from "../base/events.js";
import { isLocked } from "../base/phases.js";
import { textsWithSettings } from "../runs/runs.js";

export class PageState {
  // description: state.js's describe(schema). form: the SettingsForm; data: the DataPanel; embedView: the embed
  // widget's view, or null; phase(): the page's phase.
  constructor({ description, form = null, data = null, embedView = null, phase = () => "idle" }) {
    Object.assign(this, { description, form, data, embedView, phase });
    this.current = defaults(description);
    this.pending = null;        // a state from outside waiting for the model to be unlocked
  }

  get() {
    return this.current;
  }

  // The values of these settings as Python takes them (numbers where the text is one).
  values(names) {
    return valuesOf(this.description, this.current, names);
  }

  value(name) {
    return this.values([name])[name];
  }

  // The reader changed the page: patch is {values?, text?, experiment?}. mode: "typing" (an input event), "commit"
  // (a change event: the edit is complete), "update" (the same edit's consequence, e.g. a file finished reading).
  edit(patch, mode) {
    const { values = {}, ...rest } = patch;
    this.current = { ...this.current, ...rest, values: { ...this.current.values, ...values } };
    if ("theme" in values) this.applyTheme();
    emit("state", { state: this.current, from: "page", mode });
  }

  // Show a state from outside. from: "link" (the hash), "stored" (this browser's kept settings), "vary" ("Vary this
  // run"), "model" (a loaded model's settings). textMissing: the link's data was too large to travel with it. force: even while locked (a model
  // being loaded brings its own settings). withData: the Data panel shows the state's data (a loaded model keeps the
  // page's data as the reader chose it, file or paste).
  show(state, { from, textMissing = false, force = false, withData = true }) {
    if (!force && isLocked(this.phase())) {
      this.pending = { state, from, textMissing, withData };
      return;
    }
    this.pending = null;
    this.current = state;
    this.form?.setTexts(state.values);
    this.applyTheme();
    if (withData) this.data?.restore(state.values.source, state.text, textMissing);
    if (this.embedView) this.embedView.show(embedOf(this.description, state), this.description.specs);
    emit("state", { state, from });
  }

  // The phase changed: a state that arrived while the model was locked is shown once it is not.
  phaseChanged(phase) {
    if (this.pending && !isLocked(phase)) this.show(this.pending.state, this.pending);
  }

  // A model's settings (a run's config, by name) go into the page. from: "model" (a loaded model: its sampling
  // settings too) or "vary" ("Vary this run": the reader's sampling settings stay). data: {source, text} the run trained on, or
  // undefined to keep the page's. force: even while the model is locked (it is being replaced by this one).
  // edited: the run trained edited code, whose engine the edit chose (the page's engine stays).
  withModel(config, { from, data = undefined, force = false, edited = false }) {
    const values = textsWithSettings(this.current.values, config, { sampling: from === "model", edited });
    const { source, text } = data ?? { source: this.current.values.source, text: this.current.text };
    const state = { ...this.current, values: { ...values, source }, text: source === "text" ? text ?? "" : "" };
    this.show(state, { from, force, withData: data !== undefined });
  }

  // The colours the theme setting names (boot.js applied the link's before the first paint); auto: the system's.
  applyTheme() {
    const theme = this.current.values.theme;
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
    else delete document.documentElement.dataset.theme;
  }
}
