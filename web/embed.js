// The embed widget's own parts (the page with `#embed&…`, for an iframe in a blog post): the author's settings shown
// read-only as a compact list, a note saying how much Python weighs before anything heavy is loaded, and the link
// that opens the full app with the same settings. The rest of the widget is the page itself, laid out by style.css.

import { isDefault } from "./hash.js";

const $ = (id) => document.getElementById(id);
const ALWAYS_SHOWN = ["num_samples", "temperature"];   // besides the main settings: what a reader of the samples asks

export class EmbedView {
  constructor() {
    this.linkTo("");
    this.measure();
  }

  // The manifest is small and names every runtime file with its size; only the sum is read from it here.
  async measure() {
    try {
      const manifest = await (await fetch(new URL("./manifest.json", import.meta.url))).json();
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

  // specs: the form's settings (with labels, `main` for those outside "More settings"); values: {name: text} as the
  // link gave them.
  showSettings(specs, values, source) {
    const rows = [["Data", source === "text" ? "pasted text" : "built-in names"]];
    for (const spec of specs) {
      const text = values[spec.name] ?? String(spec.default);
      const shown = spec.main || ALWAYS_SHOWN.includes(spec.name) || !isDefault(spec, text);
      if (shown) rows.push([spec.label, text === "" ? "(none)" : text]);
    }
    $("embed-settings").replaceChildren(...rows.map(([label, value]) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = `${label} `;
      const strong = document.createElement("b");
      strong.textContent = value;
      item.append(name, strong);
      return item;
    }));
  }
}
