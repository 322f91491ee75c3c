// The module Web Worker that owns Pyodide. It loads the runtime from this site (never a CDN), installs our wheel with micropip,
// and forwards the page's requests to `microgpt.session.Session.handle` (see docs/PROTOCOL.md). The one thing it adds
// is the training loop: `train` runs the Session's time-budgeted chunks, posts each chunk as `progress`, and yields to
// the event loop between chunks so that `pause` and `stop` are heard without SharedArrayBuffer interrupts.

import { loadPyodide } from "./pyodide/pyodide.mjs";

const here = (path) => new URL(path, import.meta.url).href;

// Python glue: one JSON envelope per call, so the page gets user errors (UserError) without a traceback and
// programming errors with one. Everything else is microgpt's own code, unchanged.
const GLUE = `
import json, traceback
from microgpt.session import Session, UserError

_session = Session()

def call(kind, payload_json):
    try:
        return '{"result":' + _session.handle(kind, payload_json) + '}'
    except UserError as error:
        return json.dumps({"error": {"message": str(error), "traceback": ""}})
    except Exception as error:
        return json.dumps({"error": {"message": f"{type(error).__name__}: {error}",
                                     "traceback": traceback.format_exc()}})
`;

let call = null;            // the Python `call` function, once loaded

const post = (message) => self.postMessage(message);
const loading = (stage, percent, detail = "") => post({ type: "loading", payload: { stage, percent, detail } });

// Count the bytes of the runtime files as they stream in, so the page can show a real download percentage.
function countingFetch(sizes, onBytes) {
  const plainFetch = self.fetch.bind(self);
  return async (input, init) => {
    const response = await plainFetch(input, init);
    const name = new URL(input instanceof Request ? input.url : String(input), self.location.href)
      .pathname.split("/").pop();
    if (!(name in sizes) || !response.body) return response;
    const counter = new TransformStream({
      transform(chunk, controller) { onBytes(chunk.byteLength); controller.enqueue(chunk); },
    });
    return new Response(response.body.pipeThrough(counter),
      { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

async function start() {
  loading("download", 0);
  const manifest = await (await fetch(here("./manifest.json"), { cache: "no-cache" })).json();
  const big = ["pyodide.asm.wasm", "python_stdlib.zip"];
  const sizes = Object.fromEntries(big.map((name) => [name, manifest.files[`pyodide/${name}`].size]));
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  let received = 0;
  // Both wheels download while Python starts (micropip then finds them in the HTTP cache), and a missing one is
  // reported by name instead of as a failed import later.
  // Every missing wheel is named, not just whichever failed first.
  const wheels = Promise.all(Object.values(manifest.wheels).map(async (path) => {
    const response = await fetch(here(path));
    if (!response.ok) return `${path}: HTTP ${response.status}`;
    await response.arrayBuffer();
    return null;
  })).then((problems) => {
    const missing = problems.filter(Boolean);
    if (missing.length) throw new Error(missing.join("; "));
  });
  wheels.catch(() => {});     // awaited below; this only keeps an early failure from being reported twice
  const plainFetch = self.fetch;
  let shown = -1;
  self.fetch = countingFetch(sizes, (bytes) => {
    received += bytes;
    const percent = Math.min(100, Math.floor((100 * received) / total));
    if (percent === shown) return;
    shown = percent;
    // Once the bytes are in, what remains of loadPyodide is compiling the runtime and starting Python.
    if (percent === 100) loading("python", 0);
    else loading("download", percent);
  });
  let pyodide;
  try {
    pyodide = await loadPyodide({ indexURL: here("./pyodide/") });
  } finally {
    self.fetch = plainFetch;
  }
  await wheels;
  loading("install", 0, "micropip");
  await pyodide.loadPackage(here(manifest.wheels.micropip));
  loading("install", 40, "microgpt");
  const micropip = pyodide.pyimport("micropip");
  try {
    // Our wheel has no dependencies: nothing to resolve, so nothing is looked up anywhere.
    await micropip.install.callKwargs(here(manifest.wheels.microgpt), { deps: false });
  } finally {
    micropip.destroy();
  }
  await pyodide.runPythonAsync(GLUE);
  call = pyodide.globals.get("call");
  loading("install", 100);
  post({ type: "ready", payload: { pyodide: manifest.pyodide } });
}

function invoke(type, payload) {
  return JSON.parse(call(type, JSON.stringify(payload ?? {})));
}

function reply(id, envelope) {
  if (envelope.error) post({ id, type: "error", payload: envelope.error });
  else post({ id, type: "result", payload: envelope.result });
}

// Yield to the event loop so queued requests (pause, stop, sample…) run between chunks. A MessageChannel round trip
// is a task like setTimeout(0) but without the 4 ms clamp that nested timers get.
const channel = new MessageChannel();
const nextTurn = () => new Promise((resolve) => {
  channel.port1.onmessage = resolve;
  channel.port2.postMessage(null);
});

// One training loop per `train` request. A newer `train` supersedes an older loop (it is told to stop and awaited
// first), and `pause`/`stop` address the newest loop, so two loops never share the session.
let latest = null;          // {halt: null | "pause" | "stop", over: boolean, finished: Promise}

function startTraining(id, payload) {
  const previous = latest;
  const loop = { halt: null, over: false };
  latest = loop;
  loop.finished = (async () => {
    if (previous && !previous.over) {
      previous.halt ??= "stop";
      await previous.finished;
    }
    try {
      // The halt check comes after each yield, so a `stop` followed by `configure` never trains the new model here.
      for (;;) {
        if (loop.halt) return post({ id, type: "result", payload: { reason: loop.halt } });
        const envelope = invoke("train", payload);
        if (envelope.error) return reply(id, envelope);
        const chunk = envelope.result;
        post({ id, type: "progress", payload: chunk });
        if (chunk.done) return post({ id, type: "result", payload: { reason: "done" } });
        await nextTurn();
      }
    } finally {
      loop.over = true;
    }
  })();
}

// Requests that arrive while Python loads wait for it, in order (each awaits the same promise).
const started = start().then(() => true, (error) => {
  post({ type: "failed", payload: { message: String(error.message || error), traceback: String(error.stack || "") } });
  return false;
});

self.onmessage = async ({ data: { id, type, payload } }) => {
  if (!(await started)) {
    return post({ id, type: "error", payload: { message: "Python did not start", traceback: "" } });
  }
  if (type === "train") return startTraining(id, payload);
  if (type === "pause" || type === "stop") {
    const running = latest !== null && !latest.over;
    if (running) latest.halt = type;
    return post({ id, type: "result", payload: { running } });
  }
  reply(id, invoke(type, payload));
};
