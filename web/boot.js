// Runs before the first paint (a classic script in <head>, not a module, so it blocks rendering for the few
// microseconds it takes): the embed flag and the theme in the link (#embed&theme=dark, see web/settings/hash.js and the
// `theme` setting in web/settings/settings.js) decide the layout and colours, so the page never flashes the wrong ones.
// A file rather than an inline script: the page's Content-Security-Policy allows scripts from this site only.
// It also starts the page's own list of its errors, window.__microgptErrors: console.error calls, uncaught errors,
// unhandled rejections and elements that failed to load, as text, from the first script on. Every engine's test reads it, since not every browser's
// driver reports the console (WebKitGTK's WebDriver does not). Until the page has started (app.js dispatches
// "microgpt:started" on window once it can be used), an uncaught error, an unhandled rejection or a script that failed
// to load is also shown in the page's banner, named: no start-up failure leaves the page at "Loading…" in silence.
// And it gives the page a language Intl accepts (see below) before any module formats a number.
"use strict";
// A machine without a locale reports navigator.language "C", which Intl rejects; uPlot makes its number format from
// navigator.language when its module loads, so that throw would stop the page. Such a language reads as "en" here.
(function () {
  try {
    new Intl.NumberFormat(navigator.language);
  } catch {
    const accepted = (tag) => {
      try {
        new Intl.NumberFormat(tag);
        return true;
      } catch {
        return false;
      }
    };
    const languages = Array.from(navigator.languages || []).filter(accepted);
    Object.defineProperty(navigator, "language", { value: languages[0] ?? "en", configurable: true });
    Object.defineProperty(navigator, "languages", { value: Object.freeze(languages.length ? languages : ["en"]),
      configurable: true });
  }
})();
(function () {
  const flags = new URLSearchParams(location.hash.slice(1));
  if (flags.has("embed")) document.documentElement.classList.add("embed");
  const theme = flags.get("theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
})();
(function () {
  const errors = [];
  window.__microgptErrors = errors;
  const text = (value) => (value instanceof Error ? `${value.name}: ${value.message}` : String(value));
  const consoleError = console.error.bind(console);
  console.error = (...values) => {
    errors.push(values.map(text).join(" "));
    consoleError(...values);
  };
  let started = false;
  window.addEventListener("microgpt:started", () => { started = true; }, { once: true });
  // The first start-up failure, in the banner (once the body is there) and the status pill.
  let shown = false;
  const startupFailed = (what, { text = null, status = "Could not start" } = {}) => {
    if (started || shown) return;
    shown = true;
    const show = () => {
      const banner = document.getElementById("banner");
      const pill = document.getElementById("status");
      if (banner) {
        banner.textContent = text ?? `The page could not start: ${what}. Reloading may help; if it does not, this ` +
          "browser cannot run the page as it is.";
        banner.hidden = false;
      }
      if (pill) {
        pill.textContent = status;
        pill.dataset.state = "failed";
      }
      const reason = document.getElementById("train-reason");
      if (reason) reason.textContent = "Python cannot start: see why above.";
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show, { once: true });
    else show();
  };
  // A frame sandboxed without allow-same-origin (<iframe sandbox="allow-scripts">) has no origin ("null"): the
  // browser lets such a document start no worker from this site (a worker's script must be of the document's origin),
  // so Python cannot run there at all, and its module scripts load only where the host sends CORS headers. Said first
  // and exactly, with what the embedding page must allow.
  if (window.origin === "null" && /^https?:$/.test(location.protocol)) {
    startupFailed("no origin", { status: "Cannot run here", text: window.parent !== window
      ? "This widget cannot run in a frame sandboxed without allow-same-origin: such a frame has no origin, and the " +
        "browser lets it start no Python worker. The page that embeds it must allow it: " +
        "<iframe sandbox=\"allow-scripts allow-same-origin\" …> (or no sandbox attribute)."
      : "This page cannot run here: it was given no origin (a sandbox without allow-same-origin), and the browser " +
        "lets such a page start no Python worker. Open it directly." });
  }
  // Captured, so that a script, style or image that failed to load (its element's error, which does not bubble) counts.
  window.addEventListener("error", (event) => {
    if (event instanceof ErrorEvent) {
      const where = event.filename ? ` (${event.filename.split("/").pop()}, line ${event.lineno})` : "";
      errors.push(`uncaught: ${text(event.error ?? event.message)}`);
      startupFailed(`${text(event.error ?? event.message)}${where}`);
      return;
    }
    const source = event.target.src || event.target.href || event.target.tagName;
    errors.push(`failed to load: ${source}`);
    if (event.target.tagName === "SCRIPT") startupFailed(`${String(source).split("/").pop()} did not load`);
  }, true);
  window.addEventListener("unhandledrejection", (event) => {
    errors.push(`unhandled rejection: ${text(event.reason)}`);
    startupFailed(text(event.reason));
  });
})();
