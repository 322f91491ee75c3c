// The full page's Python worker, started as soon as the page is parsed. app.js comes with a graph of some forty
// modules, which takes ~0.5 s to load on a first visit; Python's own start (downloading and compiling Pyodide, or
// reading its snapshot) need not wait for it. What the worker says before app.js takes it over is kept here and handed
// over with it (client-control.js). The embed widget starts no worker: it loads Python only when Train is pressed.

export const WORKER_URL = new URL("../worker.js", import.meta.url);

let early = null;
if (!document.documentElement.classList.contains("embed")) {    // boot.js marks the embed before this runs
  const worker = new Worker(WORKER_URL, { type: "module" });
  const events = [];
  worker.onmessage = worker.onmessageerror = worker.onerror = (event) => {
    if (event.type === "error") event.preventDefault();         // reported by client-control.js, as a lost worker
    events.push(event);
  };
  early = { worker, events };
}

// The worker started early and its events so far ({worker, events}), once; null after that, and in the embed.
export function takeEarlyWorker() {
  const taken = early;
  early = null;
  return taken;
}
