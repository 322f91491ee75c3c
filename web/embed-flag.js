// The embed flag (#embed&…, see web/hash.js) is read before the first paint, so the widget never shows the full page's
// layout for a moment. A classic script loaded from the page's own origin, not inline: the Content-Security-Policy
// in index.html allows no inline script.
if (/(^#|&)embed(=[^&]*)?(&|$)/.test(location.hash)) document.documentElement.classList.add("embed");
