// Keyboard focus that survives a button disabling itself: pressing Train, Pause, Resume, Stop, Reset or Generate
// disables the very button pressed, and the browser then drops focus to the page's body, so a keyboard user would
// start over from the top. Here it moves on to the control that phases.js's focusAfter names for the new phase.
// Moving focus never scrolls the page for a pointer user (a run that ends must not pull the reader to Generate), nor,
// inside an embed, ever: scrolling the frame's focus into view would scroll the host page too.

// controls: a selector for the buttons whose focus is kept; next(): the id to focus now, or null (not yet).
export function focusKeeper(controls, next) {
  let last = null;     // the button of ours that had focus last, unless focus or a click went elsewhere since
  let pointer = false; // the reader's last press was a pointer's (mouse, pen, touch), not a key's
  const framed = window.top !== window;
  document.addEventListener("focusin", (event) => { last = event.target.closest?.(controls) ?? null; });
  document.addEventListener("pointerdown", (event) => {
    pointer = true;
    if (!event.target.closest?.(controls)) last = null;
  });
  document.addEventListener("keydown", () => { pointer = false; });
  // Call after the controls changed: moves focus if it was dropped from one of ours and the next one is enabled.
  return function keep() {
    const active = document.activeElement;
    const dropped = !active || active === document.body || active.disabled;
    const target = dropped && last ? document.getElementById(next() ?? "") : null;
    if (target && !target.disabled) target.focus({ preventScroll: pointer || framed });
  };
}
