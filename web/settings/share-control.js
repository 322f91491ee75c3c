// Keeps the URL hash and the page's state (state.js, held by state-control.js) in step, and owns the Share card and the
// notice of what a link or this browser's kept settings held that could not be used. The hash is written from the
// state as it changes (one history entry per edit: push when an edit starts, replace while typing) and read back on
// load, on Back/Forward and when the hash is edited by hand. Copy link / Copy embed code put a link on the clipboard,
// or, where the clipboard is not available (insecure page, iframe), select it in a read-only field.

import { MAX_TEXT_CHARS } from "./hash.js";
import { fromHash, linkHash, settingsHash } from "./state.js";
import { HEIGHT_MESSAGE } from "./embed-view.js";
import { on } from "../base/events.js";

const $ = (id) => document.getElementById(id);
const WRITE_DELAY_MS = 150;   // browsers throttle history calls, and typing needs no more than this
// The iframe's size when the host runs no script: the trained widget with 20 samples fits a 700px column (the
// snippet's script sizes it to its content in any column).
const EMBED_SIZE = { width: 700, height: 1250 };
const SHOWN_CHARS = 60;       // an ignored value is shown cut to this length; a link can carry anything
const SHOWN_ITEMS = 20;       // ignored settings listed one by one; more are counted

const kilobytes = (chars) => `${(chars / 1024).toFixed(1)} KB`;

// All defaults: no "#" left dangling in the address bar.
function setHash(hash, push) {
  const url = hash ? `#${hash}` : location.pathname + location.search;
  if (push) history.pushState(null, "", url);
  else history.replaceState(history.state, "", url);
}

// The snippet for a blog post: the iframe (the DOM writes it, so the link is escaped as an attribute value must be) and
// a few lines of script that size it to the widget's content, which the widget posts whenever it changes ({type:
// HEIGHT_MESSAGE, height} in CSS pixels, see embed-view.js). Without the script the frame keeps its fixed height.
function iframeCode(link) {
  const frame = document.createElement("iframe");
  frame.src = link;
  frame.title = "microgpt: train a tiny GPT in your browser";
  frame.width = String(EMBED_SIZE.width);
  frame.height = String(EMBED_SIZE.height);
  // Through the CSSOM: a style attribute set as text is inline style, which the page's Content-Security-Policy refuses.
  frame.style.border = "0";
  frame.style.maxWidth = "100%";
  frame.setAttribute("loading", "lazy");
  return `${frame.outerHTML}
<script>
  // microgpt's widget says how tall its content is; its frame takes that height, so nothing scrolls inside it.
  addEventListener("message", (event) => {
    if (event.data?.type !== "${HEIGHT_MESSAGE}") return;
    for (const frame of document.querySelectorAll("iframe")) {
      if (frame.contentWindow === event.source) frame.style.height = \`\${Math.min(event.data.height, 5000)}px\`;
    }
  });
</script>`;
}

// What the notice says the unusable values came from.
const NOTICE_HEADINGS = {
  link: "Some settings in this link could not be used, so their defaults apply:",
  stored: "Some settings this browser kept could not be used, so their defaults apply:",
};
// How a change of the state from elsewhere than the hash reaches it: a run's or a loaded model's settings are a new
// entry, the kept settings restored after a reload replace the page's entry.
const MODE_OF = { vary: "commit", model: "commit", stored: "update" };

export class ShareLink {
  // description: state.js's describe(schema). state: the page's state (state-control.js), which the hash is written
  // from and a link's settings are shown through. embed: this page is the widget (its hash keeps the flag).
  // onHash(hash): hears every settings hash (without the flag). onExperiment(name): the link names a ready experiment
  // (#experiment=NAME), which the hash then keeps.
  constructor({ description, state, embed = false, onHash = null, onExperiment = null }) {
    Object.assign(this, { description, state, embed, onHash, onExperiment });
    on("state", ({ from, mode }) => {
      if (from === "page") this.edited(mode);
      else if (MODE_OF[from]) this.edited(MODE_OF[from]);
    });
    this.timer = null;
    this.seq = 0;
    this.writing = 0;
    this.restoring = 0;
    this.typing = false;      // an edit is in progress: its later writes replace the entry its first write pushed
    this.newEntry = false;    // the next write starts a history entry
    addEventListener("popstate", () => this.restore());
    addEventListener("hashchange", () => this.restore());
    $("copy-link").addEventListener("click", () => this.copy(false));
    $("copy-embed").addEventListener("click", () => this.copy(true));
    $("link-notice-close").addEventListener("click", () => { $("link-notice").hidden = true; });
  }

  // Read the hash the page was opened with, show it, and replace it with its clean form (what was ignored is gone).
  async start() {
    this.current = location.hash.replace(/^#/, "");
    await this.restore({ initial: true });
    const hash = this.pageHash((await this.encodeNow()).hash);
    if (hash !== this.current) setHash(hash, false);
    this.current = hash;
  }

  async restore({ initial = false } = {}) {
    const hash = location.hash.replace(/^#/, "");
    if (!initial && hash === this.current) return;    // our own write, or popstate and hashchange for one change
    this.current = hash;
    this.seq++;                // a write still in flight was made from the settings this entry replaces
    clearTimeout(this.timer);
    this.timer = null;
    this.typing = false;
    this.newEntry = false;
    this.restoring++;
    const read = await fromHash(this.description, hash).finally(() => this.restoring--);
    if (hash !== this.current) return;      // a newer entry arrived while this one was unpacked
    // Data too large for the link was left out of it; data that was in it but unreadable is listed as ignored.
    if (read.state.experiment !== null) this.onExperiment?.(read.state.experiment);
    this.state.show(read.state, { from: "link", textMissing: read.textMissing });
    this.showNotice(read.ignored, read.textMissing);
    this.showDataNote(await this.encodeNow());
  }

  // mode: "typing" (an input event), "commit" (a change event: the edit is complete), "update" (the same edit's
  // consequence, e.g. a file finished reading).
  edited(mode) {
    if (mode !== "update" && !this.typing) this.newEntry = true;
    if (mode !== "update") this.typing = mode === "typing";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.write(), WRITE_DELAY_MS);
  }

  // True while an edit has not reached the hash yet.
  busy() {
    return this.timer !== null || this.writing > 0 || this.restoring > 0;
  }

  async write() {
    this.timer = null;
    const seq = ++this.seq;
    this.writing++;
    const encoded = await this.encodeNow().finally(() => this.writing--);
    if (seq !== this.seq) return;
    this.showDataNote(encoded);
    const hash = this.pageHash(encoded.hash);
    if (hash === this.current) return;
    this.current = hash;
    setHash(hash, this.newEntry);
    this.newEntry = false;
  }

  // The settings as a hash (never with the embed flag); onHash hears every one, for links made from it.
  async encodeNow() {
    const encoded = await settingsHash(this.description, this.state.get());
    this.onHash?.(encoded.hash);
    return encoded;
  }

  pageHash(settings, embed = this.embed) {
    return linkHash(settings, { embed, experiment: this.state.get().experiment });
  }

  // What cannot travel is said next to the Copy buttons, before anyone copies.
  showDataNote({ textIncluded, textSize }) {
    const note = $("share-data");
    note.hidden = textIncluded || textSize === 0;
    note.textContent = note.hidden ? "" : `Your data is too large to travel in a link (${Number.isFinite(textSize)
      ? kilobytes(textSize) : "over 1 MB"} compressed; a link carries up to ${kilobytes(MAX_TEXT_CHARS)}). The link ` +
      "carries the settings only: whoever opens it must paste the data again.";
  }

  // ignored: [[what, why]] from the hash or the kept settings (from: "link" or "stored"); rendered as text only (a
  // link can hold anything). A hostile link may hold 150,000 keys: the first SHOWN_ITEMS are listed, the rest counted.
  showNotice(ignored, textMissing, from = "link") {
    $("link-notice-ignored").textContent = NOTICE_HEADINGS[from];
    const items = ignored.slice(0, SHOWN_ITEMS).map(([what, why]) => {
      const item = document.createElement("li");
      const shown = what.length > SHOWN_CHARS ? `${what.slice(0, SHOWN_CHARS)}…` : what;
      item.textContent = `${shown}: ${why}`;
      return item;
    });
    if (ignored.length > SHOWN_ITEMS) {
      items.push(document.createElement("li"));
      items.at(-1).textContent = `… and ${(ignored.length - SHOWN_ITEMS).toLocaleString("en")} more`;
    }
    $("link-notice-list").replaceChildren(...items);
    $("link-notice-list").hidden = items.length === 0;
    $("link-notice-ignored").hidden = items.length === 0;
    $("link-notice-data").hidden = !textMissing;
    $("link-notice").hidden = items.length === 0 && !textMissing;
  }

  async copy(embed) {
    const seq = ++this.seq;     // a pending write is superseded: the link is made from the page as it is now
    clearTimeout(this.timer);
    this.timer = null;
    const encoded = await this.encodeNow();
    const hash = this.pageHash(encoded.hash);
    if (seq === this.seq && hash !== this.current) {
      this.current = hash;
      setHash(hash, false);
    }
    this.showDataNote(encoded);
    const link = `${location.href.split("#")[0]}#${this.pageHash(encoded.hash, embed)}`;
    const what = embed ? "Embed code" : "Link";
    const text = embed ? iframeCode(link) : link;
    const output = $("share-output");
    output.value = text;
    output.rows = text.split("\n").length;
    output.hidden = false;
    const dataNote = encoded.textIncluded || encoded.textSize === 0 ? "" : " It carries the settings but not the data.";
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard API here");
      await navigator.clipboard.writeText(text);
      this.say(`${what} copied to the clipboard.${dataNote}`);
    } catch {
      output.focus();
      output.select();
      this.say(`This page may not write to the clipboard here, so the ${what.toLowerCase()} is selected below: ` +
        `press Ctrl+C (⌘C on a Mac) to copy it.${dataNote}`);
    }
  }

  say(message) {
    $("share-status").textContent = message;
  }
}
