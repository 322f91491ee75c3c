// The embed widget's own parts (the page with `#embed&…`, for an iframe in a blog post): the author's settings shown
// read-only as a compact list, except those the link makes editable (`editable=learning_rate,temperature`; without
// it, the learning rate and the context length), which stay real form fields; a note saying how much Python weighs
// before anything heavy is loaded; the link that opens the full app with the same settings; and the widget's height,
// posted to the host page so that its snippet can size the iframe to fit (message shape below, the snippet's script
// in share-control.js). The rest of the widget is the page itself, laid out by style.css.

import { embedDoneText } from "./guidance.js";

const $ = (id) => document.getElementById(id);
export const HEIGHT_MESSAGE = "microgpt:height";      // posted to the host: {type: HEIGHT_MESSAGE, height: CSS px}

export class EmbedView {
  constructor() {
    this.linkTo("");
    this.measure();
    this.editable = [];
    this.homes = new Map();     // a field row moved into the widget's head → the panel it came from
    if (window.parent !== window) this.postHeight();
  }

  // The content's height, to the host page whenever it changes (the iframe's own height does not change it: the
  // root element is as tall as its content). Any host may read it: a height says nothing private.
  postHeight() {
    let posted = 0;
    new ResizeObserver(() => {
      const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height === posted) return;
      posted = height;
      window.parent.postMessage({ type: HEIGHT_MESSAGE, height }, "*");
    }).observe(document.documentElement);
  }

  // The manifest is small and names every runtime file with its size; only the sum is read from it here.
  async measure() {
    try {
      const manifest = await (await fetch(new URL("../manifest.json", import.meta.url))).json();
      const bytes = Object.entries(manifest.files)
        .filter(([path]) => path.startsWith("pyodide/") || path.startsWith("wheels/"))
        .reduce((sum, [, { size }]) => sum + size, 0);
      $("embed-note").textContent = `Train loads a Python runtime (~${Math.round(bytes / 1e6)} MB, once); ` +
        "nothing leaves your browser.";
    } catch {
      $("embed-note").textContent = "Train loads a Python runtime; nothing leaves your browser.";
    }
  }

  // hash: the settings without the embed flag; the full app opens with exactly these.
  linkTo(hash) {
    $("open-full").href = `./index.html${hash ? `#${hash}` : ""}`;
  }

  // What the page's state gives the widget (state.js embedOf): {editable: specs, rows: [[label, value]]}; specs:
  // every setting, whose form rows are placed.
  show({ editable, rows }, specs) {
    this.editable = editable;
    $("embed-settings").replaceChildren(...rows.map(([label, value]) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = `${label} `;
      const strong = document.createElement("b");
      strong.textContent = value;
      item.append(name, strong);
      return item;
    }));
    this.placeFields(specs);
  }

  // Editable settings of the model sit in the widget's head, above Train; editable sampling settings stay beside
  // Generate (style.css shows only those rows there). Rows are moved, not copied: the form keeps reading them.
  placeFields(specs) {
    const editable = new Set(this.editable.map((spec) => spec.name));
    for (const spec of specs) {
      const row = document.querySelector(`.field[data-field="${spec.name}"]`);
      if (!row) continue;
      row.classList.toggle("editable", editable.has(spec.name));
      if (editable.has(spec.name) && spec.group !== "sampling") {
        if (!this.homes.has(spec.name)) this.homes.set(spec.name, row.parentElement);
        $("embed-fields").append(row);
      } else if (this.homes.has(spec.name)) {
        this.homes.get(spec.name).append(row);
        this.homes.delete(spec.name);
      }
    }
    $("embed-fields").hidden = $("embed-fields").childElementCount === 0;
  }

  doneText() {
    return embedDoneText(this.editable);
  }
}
