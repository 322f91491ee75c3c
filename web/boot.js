// Runs before the first paint (a classic script in <head>, not a module, so it blocks rendering for the few
// microseconds it takes): the embed flag and the theme in the link (#embed&theme=dark, see web/settings/hash.js and the
// `theme` setting in web/settings/settings.js) decide the layout and colours, so the page never flashes the wrong ones.
// A file rather than an inline script: the page's Content-Security-Policy allows scripts from this site only.
// It also starts the page's own list of its errors, window.__microgptErrors: console.error calls, uncaught errors,
// unhandled rejections and elements that failed to load, as text, from the first script on. Every engine's test reads it, since not every browser's
// driver reports the console (WebKitGTK's WebDriver does not).
"use strict";
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
  // Captured, so that a script, style or image that failed to load (its element's error, which does not bubble) counts.
  window.addEventListener("error", (event) => errors.push(event instanceof ErrorEvent
    ? `uncaught: ${text(event.error ?? event.message)}`
    : `failed to load: ${event.target.src || event.target.href || event.target.tagName}`), true);
  window.addEventListener("unhandledrejection", (event) => errors.push(`unhandled rejection: ${text(event.reason)}`));
})();
