// Colours for what the page draws on canvases (uPlot charts). The stylesheet writes every colour as a variable with
// light-dark(), which only CSS resolves: a variable read with getPropertyValue is that unresolved text, which a canvas
// ignores. So a variable is resolved by giving it to a hidden element's `color`. `onSchemeChange` hears a new scheme,
// from the system (prefers-color-scheme) or from the link's theme (data-theme on <html>), so charts redraw in it.

// name: a custom property, e.g. "--chart-grid". Returns a colour a canvas takes ("rgb(…)").
export function cssColor(name) {
  const probe = document.createElement("span");
  probe.hidden = true;
  document.body.append(probe);
  probe.style.color = `var(${name})`;
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}

export function onSchemeChange(callback) {
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", callback);
  new MutationObserver(callback).observe(document.documentElement, { attributeFilter: ["data-theme"] });
}
