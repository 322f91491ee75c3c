// The URL hash codec: settings ⇄ `#key=value&…`. Which keys exist and what they may hold comes from Python's schema
// (schema.json: Config's fields and the request fields) and the page's own settings (settings.js); this module only
// applies their kind, min/max and choices, because a link is read before Python has loaded (the embed widget loads it
// only on Train). Everything else is Python's `check`. Only values that differ from their default are written, so
// links stay short. Pasted data travels as `text=` (deflate-raw, base64url) when it is small enough. Reading never
// throws: whatever cannot be used is listed, and its default is used instead. Keys of older links are still read
// (`data=` is now `source=`).

import { parseNumber, rangeText } from "./settings.js";

export const MAX_TEXT_CHARS = 4096;     // encoded data in a link: links stay pasteable into chats and mail
const MAX_TEXT_BYTES = 1 << 20;         // refuse larger data: a small link must not inflate to gigabytes
export const EMBED = "embed";   // a flag, not a setting: the page shows the widget
export const EXPERIMENT = "experiment";   // not a setting either: the page opens this ready experiment
const TEXT = "text";
const SOURCE = "source";
const RENAMED = { data: SOURCE };   // old key -> the setting it names now

// Why `text` is not acceptable for this setting, or null. The same coercion as the form (a number where the text is
// one), then the schema's kind, range and choices.
export function problem(spec, text) {
  if (spec.kind === "choice") return spec.choices.includes(text) ? null : `not one of ${spec.choices.join(", ")}`;
  if (spec.kind === "str") return null;
  if (spec.kind === "names") {
    const unknown = text.split(",").map((name) => name.trim()).filter((name) => name && !spec.choices.includes(name));
    return unknown.length ? `${unknown.join(", ")}: not a setting (${rangeText(spec)})` : null;
  }
  const number = parseNumber(text);
  if (!Number.isFinite(number)) return `not a number (${rangeText(spec)})`;
  if (spec.kind === "int" && !Number.isInteger(number)) return `not a whole number (${rangeText(spec)})`;
  const below = spec.min !== null && spec.min !== undefined && (spec.min_open ? number <= spec.min : number < spec.min);
  const above = spec.max !== null && spec.max !== undefined && number > spec.max;
  return below || above ? `out of range (${rangeText(spec)})` : null;
}

export function isDefault(spec, text) {
  const numeric = spec.kind === "int" || spec.kind === "float";
  return numeric ? parseNumber(text) === spec.default : text === String(spec.default);
}

// Characters that need no escaping in a fragment stay readable: `prefix=ma`, `learning_rate=0.02`.
const escape = (text) => encodeURIComponent(text).replace(/%2C/g, ",").replace(/%3A/g, ":");

function toBase64Url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

async function deflate(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function inflate(bytes) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_TEXT_BYTES) {
      reader.cancel();
      throw new Error("larger than 1 MB");
    }
    chunks.push(value);
  }
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(joined);
}

// Compressing is only redone when the text changed: settings edits rewrite the hash often, the data rarely.
let lastText = null;
let lastEncoded = null;

// The encoded data, or null when it is too large to travel in a link. Returns {encoded, size} (size: encoded chars).
async function encodeText(text) {
  if (text !== lastText) {
    lastText = text;
    lastEncoded = new TextEncoder().encode(text).byteLength > MAX_TEXT_BYTES ? "" : toBase64Url(await deflate(text));
  }
  const size = lastEncoded === "" ? Infinity : lastEncoded.length;
  return { encoded: size <= MAX_TEXT_CHARS ? lastEncoded : null, size };
}

// specs: every setting; values: {name: text}; text: the user's own data when values.source is "text".
// Returns {hash (without "#"), textIncluded, textSize}.
export async function encode(specs, values, text = "") {
  const parts = [];
  for (const spec of specs) {
    const value = values[spec.name];
    if (value === undefined || problem(spec, value) !== null || isDefault(spec, value)) continue;
    parts.push(`${spec.name}=${escape(value)}`);
  }
  let textIncluded = false;
  let textSize = 0;
  if (values[SOURCE] === "text" && text) {
    const { encoded, size } = await encodeText(text);
    textSize = size;
    if (encoded !== null) {
      parts.push(`${TEXT}=${encoded}`);
      textIncluded = true;
    }
  }
  return { hash: parts.join("&"), textIncluded, textSize };
}

// Returns {values: {name: text} (valid ones only), ignored: [what, why], embed, experiment (a name or null), text
// (string or null), textSent}.
export async function decode(specs, hash) {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const values = {};
  const ignored = [];
  let embed = false;
  let experiment = null;
  let encodedText = null;
  for (const piece of hash.replace(/^#/, "").split("&")) {
    if (piece === "") continue;
    const cut = piece.indexOf("=");
    let key, value;
    try {
      key = decodeURIComponent(cut < 0 ? piece : piece.slice(0, cut));
      value = cut < 0 ? "" : decodeURIComponent(piece.slice(cut + 1));
    } catch {
      ignored.push([piece, "not readable (bad %-escape)"]);
      continue;
    }
    const shown = cut < 0 ? key : `${key}=${value}`;
    key = RENAMED[key] ?? key;
    if (key === EMBED) embed = true;
    else if (key === EXPERIMENT) experiment = value;
    else if (key === TEXT) encodedText = value;
    else if (!byName.has(key)) ignored.push([shown, "unknown setting"]);
    else {
      const why = problem(byName.get(key), value);
      if (why) ignored.push([shown, why]);
      else values[key] = value;
    }
  }
  let text = null;
  if (encodedText !== null && values[SOURCE] !== "text") ignored.push([TEXT, `data without ${SOURCE}=text`]);
  else if (encodedText !== null) {
    try {
      text = await inflate(fromBase64Url(encodedText));
    } catch (error) {
      ignored.push([TEXT, `the pasted data could not be unpacked (${error.message || "corrupt"})`]);
    }
  }
  return { values, ignored, embed, experiment, text, textSent: encodedText !== null };
}
