// Runs before the first paint (a classic script in <head>, not a module, so it blocks rendering for the few
// microseconds it takes): the embed flag and the theme in the link (#embed&theme=dark, see web/settings/hash.js and the
// `theme` setting in web/settings/settings.js) decide the layout and colours, so the page never flashes the wrong ones.
// A file rather than an inline script: the page's Content-Security-Policy allows scripts from this site only.
"use strict";
(function () {
  const flags = new URLSearchParams(location.hash.slice(1));
  if (flags.has("embed")) document.documentElement.classList.add("embed");
  const theme = flags.get("theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
})();
