// The settings form, drawn from the settings' description (settings.js): a labelled field per setting, with its
// help, its range and default, a note said in context, and the error Python's `check` gives it. It reads and writes
// through the page's state (state-control.js): every edit goes there, and the values Python is sent are the state's,
// as typed (Python's `check` is the one validator). A teaching setting's field is a slider over its marks (settings.js
// TEACHING) beside the same text box: the slider writes the box and fires its events, as typing would, so the state,
// the hash and the checks follow it; the box (typed, or written by the state) moves the slider to the nearest mark.

import {
  TEACHING, editableNames, editableText, formOrder, isPage, isSampling, labelled, nearestMark, parseNumber, place,
  rangeText, settingSpecs, teachingMarks,
} from "./settings.js";

// A setting that names settings (the embed's editable ones), as a checkbox per setting: its `value` is the names'
// text, read and written like a text field's, and its checkboxes' input events bubble to it. spec.offered: the
// settings with a box; a name a link gives beyond those gets a box of its own.
function namesField(spec, id) {
  const group = document.createElement("div");
  group.name = spec.name;       // as a field's: the form and the tests read fields by name and value
  group.className = "checks";
  group.setAttribute("role", "group");
  const labelOf = (name) => spec.labels?.[name] ?? name;
  const box = (name) => {
    const choice = document.createElement("label");
    choice.className = "check";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = spec.name;
    input.value = name;
    input.id = `${spec.name}-${name}`;
    const code = document.createElement("code");
    code.textContent = name;
    choice.append(input, ` ${labelOf(name)} `, code);
    group.append(choice);
    return input;
  };
  for (const name of spec.offered) box(name);
  const boxes = () => [...group.querySelectorAll("input[type=checkbox]")];
  Object.defineProperty(group, "value", {
    get: () => editableText(boxes().filter((input) => input.checked).map((input) => input.value), spec.offered),
    set: (text) => {
      const names = editableNames(text);
      for (const name of names) if (!boxes().some((input) => input.value === name)) box(name);
      for (const input of boxes()) input.checked = names.includes(input.value);
    },
  });
  return group;
}

function fieldRow(spec) {
  const id = `setting-${spec.name}`;
  const row = document.createElement("div");
  row.className = "field";
  row.dataset.field = spec.name;

  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = spec.label;
  const code = document.createElement("code");
  code.textContent = spec.name;
  label.append(" ", code);

  let input;
  if (spec.kind === "names") {
    input = namesField(spec, id);
    label.id = `${id}-label`;
    label.removeAttribute("for");     // a group of checkboxes, labelled as one (aria-labelledby)
    input.setAttribute("aria-labelledby", label.id);
  } else if (spec.kind === "choice") {
    input = document.createElement("select");
    for (const choice of spec.choices) input.add(new Option(choice, choice));
  } else {
    input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.spellcheck = false;
    if (spec.kind === "int") input.inputMode = "numeric";
    if (spec.kind === "float") input.inputMode = "decimal";
  }
  input.id = id;
  if (spec.kind !== "names") input.name = spec.name;
  input.value = String(spec.default);

  const help = document.createElement("small");
  help.id = `${id}-help`;
  help.className = "help";
  // Checkboxes show their names and which are ticked: the help needs neither the range nor the default.
  const names = spec.kind === "names";
  const facts = [spec.help, names ? "" : rangeText(spec), names || spec.default === "" ? "" : `default ${spec.default}`];
  help.textContent = facts.filter(Boolean).join(" · ");

  const error = document.createElement("small");
  error.id = `${id}-error`;
  error.className = "field-error";
  error.setAttribute("role", "alert");
  error.hidden = true;

  // Said about the field's value in context: what a short context crops, the model's value when it differs.
  const note = document.createElement("small");
  note.id = `${id}-note`;
  note.className = "field-note";
  note.hidden = true;
  const mark = document.createElement("span");
  mark.className = "changed-mark";
  mark.hidden = true;
  label.append(mark);

  input.setAttribute("aria-describedby", `${help.id} ${note.id} ${error.id}`);
  if (spec.teach) return teachingRow(spec, { row, label, input, help, note, error, mark, facts });
  row.append(label, input, help, note, error);
  return { row, input, error, note, mark };
}

// A teaching setting: the label, a slider with its marks under it (the default's marked) and the value's box beside
// it, one short line of help; the range and the schema's longer help are the row's tooltip.
function teachingRow(spec, { row, label, input, help, note, error, mark, facts }) {
  const marks = teachingMarks(spec);
  row.classList.add("teach");
  row.title = facts.filter(Boolean).join(" · ");
  help.textContent = TEACHING[spec.name].help;
  label.id = `${input.id}-label`;
  input.classList.add("value-box");

  const slider = document.createElement("input");
  slider.type = "range";
  slider.id = `${input.id}-slider`;
  slider.min = "0";
  slider.max = String(marks.length - 1);
  slider.step = "1";
  slider.setAttribute("aria-labelledby", label.id);
  slider.setAttribute("aria-describedby", help.id);
  const scale = document.createElement("div");
  scale.className = "marks";
  scale.setAttribute("aria-hidden", "true");
  for (const [i, value] of marks.entries()) {
    const tick = document.createElement("span");
    tick.style.setProperty("--at", String(marks.length > 1 ? i / (marks.length - 1) : 0));
    if (labelled(spec, value)) tick.textContent = String(value);
    if (value === spec.default) {
      tick.classList.add("default");
      const word = document.createElement("small");
      word.textContent = "default";
      tick.append(word);
    }
    scale.append(tick);
  }
  const track = document.createElement("div");
  track.className = "track";
  track.append(slider, scale);
  const line = document.createElement("div");
  line.className = "slider-line";
  line.append(track, input);
  row.append(label, line, help, note, error);

  // The slider shows the box's value at its nearest mark; its spoken value is the box's own text.
  const sync = () => {
    const at = nearestMark(marks, parseNumber(input.value));
    slider.value = String(at ?? marks.indexOf(spec.default));
    slider.setAttribute("aria-valuetext", input.value);
  };
  slider.addEventListener("input", () => {
    input.value = String(marks[Number(slider.value)]);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  input.addEventListener("input", sync);
  sync();
  return { row, input, error, note, mark, slider, sync };
}

export class SettingsForm {
  // schema: Python's `schema` reply; containers: {main, more, sampling, share} elements; onEdit(name, text, mode) is
  // called after any edit (mode "typing" for an input event, "commit" for a change event). The sampling group's fields
  // go to `sampling`, the page's to `share`, the others to `main` or `more`; the data group is the Data panel's.
  // judge(spec, text) checks a page setting as typed (Python checks the others), and every setting while `judgeAll`
  // is set (the embed before Python is there). state: the page's state (state-control.js), which the values are
  // read from.
  constructor(schema, containers, onEdit, judge, state) {
    this.state = state;
    this.configNames = schema.fields.map((field) => field.name);
    this.specs = settingSpecs(schema).filter((spec) => spec.group !== "data");
    this.controls = new Map();
    this.judgeAll = false;
    for (const spec of formOrder(this.specs)) {
      const control = fieldRow(spec);
      containers[place(spec)].append(control.row);
      control.input.addEventListener("input", () => {
        if (isPage(spec) || this.judgeAll) this.showError(spec.name, judge(spec, control.input.value));
        onEdit(spec.name, control.input.value, "typing");
      });
      control.input.addEventListener("change", () => onEdit(spec.name, control.input.value, "commit"));
      this.controls.set(spec.name, { ...control, spec });
    }
  }

  // Every Config field: numbers where the text is one, else the text itself, so that Python's message names
  // exactly what was typed.
  config() {
    return this.state.values(this.configNames);
  }

  // The sampling group's fields, as the `sample` request takes them.
  sampling() {
    return this.state.values(this.specs.filter(isSampling).map(({ name }) => name));
  }

  value(name) {
    return this.state.value(name);
  }

  // Show these texts; a field not named gets its default (restoring a link or a history entry).
  setTexts(texts) {
    for (const [name, { input, spec, sync }] of this.controls) {
      input.value = texts[name] ?? String(spec.default);
      sync?.();
    }
  }

  // errors: {field: message} from Python, about every setting but the page's own. Returns the messages that belong
  // to no field on the form.
  showErrors(errors) {
    const unplaced = [];
    for (const [name, { spec }] of this.controls) if (!isPage(spec)) this.showError(name, errors[name]);
    for (const [name, message] of Object.entries(errors)) if (!this.controls.has(name)) unplaced.push(message);
    return unplaced;
  }

  showError(name, message) {
    const { input, error } = this.controls.get(name);
    error.textContent = message ?? "";
    error.hidden = !message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  // text: a sentence about this field's value in context, or "" for none.
  setNote(name, text) {
    const { note } = this.controls.get(name);
    note.textContent = text;
    note.hidden = !text;
  }

  // changes: [{name, trained}] from guidance.changedSettings; every other field is unmarked.
  markChanged(changes) {
    const trained = new Map(changes.map((change) => [change.name, change.trained]));
    for (const [name, { row, mark }] of this.controls) {
      row.classList.toggle("changed", trained.has(name));
      mark.hidden = !trained.has(name);
      mark.textContent = trained.has(name) ? `model: ${trained.get(name)}` : "";
    }
  }

  // Settings of a running model cannot change under it; sampling settings stay editable.
  setLocked(locked) {
    for (const { input, slider, spec } of this.controls.values()) {
      if (isSampling(spec) || isPage(spec)) continue;
      input.disabled = locked;
      if (slider) slider.disabled = locked;
    }
  }

  // Whether Python found a problem in the sampling settings (sampling: true) or in the model's (false). The page's
  // own settings stop nothing: a bad one is left out of the link, and its field says why.
  hasErrors({ sampling }) {
    return [...this.controls.values()]
      .some(({ error, spec }) => !isPage(spec) && isSampling(spec) === sampling && !error.hidden);
  }
}
