// The module Web Worker that owns Pyodide. It loads the runtime from this site (never a CDN), installs our wheel with
// micropip, and forwards the page's requests to `microgpt.session.Session.handle` (see docs/PROTOCOL.md). The one thing
// it adds is the training loop: `train` runs the Session's time-budgeted chunks, posts each chunk as `progress`, and
// yields to the event loop between chunks so that `pause` and `stop` are heard without SharedArrayBuffer interrupts.
// Python starts from a memory snapshot of an earlier visit when this deploy has one (web/python/snapshot-control.js). A
// `heartbeat` every second, sent whenever the event loop is free, lets the page tell a busy worker from a dead or stuck
// one.

import { deleteSnapshot, readSnapshot, snapshotKey, writeSnapshot } from "./python/snapshot-control.js";

const here = (path) => new URL(path, import.meta.url).href;

// A file of this site that did not download while Python started (the network failed, or an HTTP error). Pyodide
// does not always say so itself (a failed pyodide.asm.wasm leaves its start waiting forever), so the start watches
// every fetch of this site and ends at the first that fails, naming it; the page then tries again (`failed` with
// `download`, see docs/PROTOCOL.md).
class DownloadError extends Error {
  constructor(problems) {
    super(problems.map(({ file, cause }) => `${file} did not download (${cause})`).join("; "));
    this.file = problems[0].file;
  }
}

let downloadProblem = null;            // the first DownloadError of this start
let downloadFailed = null;             // rejects the start with it
const downloadWatch = new Promise((resolve, reject) => { downloadFailed = reject; });
downloadWatch.catch(() => {});         // raced below; this only keeps it from counting as unhandled
function failDownload(file, cause) {
  downloadProblem ??= new DownloadError([{ file, cause }]);
  downloadFailed(downloadProblem);
  return downloadProblem;
}

// The file's path inside this site (as manifest.json names it), or null for anything else.
function siteFile(input) {
  const url = new URL(input instanceof Request ? input.url : String(input), self.location.href);
  const base = here("./");
  return url.href.startsWith(base) ? url.pathname.slice(new URL(base).pathname.length) : null;
}

let loadPyodide = null;                // pyodide.mjs's, imported when the start begins (its failure is named)

// Our wheel, installed by micropip from Pyodide's file system ("emfs:"). micropip is then forgotten, because Pyodide
// 314.0.7 snapshots only JavaScript objects it can name again: the functions micropip imports from Pyodide's API
// cannot be, nor can the fetch Response that micropip.install(<URL>) leaves referenced (hence a file, not the URL).
const installWithMicropip = (path) => `
import gc, sys, micropip
await micropip.install(${JSON.stringify(`emfs:${path}`)}, deps=False)   # no dependencies: nothing is looked up
del micropip
for name in [name for name in sys.modules if name.split(".")[0] == "micropip"]:
    del sys.modules[name]
gc.collect()
`;

// Python glue: one JSON envelope per call, so the page gets user errors (UserError) without a traceback and
// programming errors with one; any way out of Python (SystemExit too) is an answer, never silence. It also keeps in memory the files micropip installed (our package, its built-in
// dataset, its dist-info): a memory snapshot holds no files, so a start from the snapshot writes these back.
// Everything else is microgpt's own code, unchanged.
const GLUE = `
import json, os, traceback
from importlib import invalidate_caches, metadata
from microgpt.session import Session, UserError
from microgpt.watch import WATCH

_session = Session()

def _files_micropip_installed():
    """Path -> bytes: our files as RECORD lists them, and the whole dist-info folder (micropip adds INSTALLER and
    PYODIDE_* files there that RECORD does not list)."""
    paths = {file.locate() for file in metadata.distribution("microgpt").files}
    paths.update(next(path for path in paths if path.name == "RECORD").parent.iterdir())
    return {str(path): path.read_bytes() for path in paths}

_installed = _files_micropip_installed()

def write_installed_files():
    for path, data in _installed.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(data)
    invalidate_caches()

def installer():
    return (metadata.distribution("microgpt").read_text("INSTALLER") or "").strip()

def set_beat(beat):
    WATCH.beat = beat

def call(kind, payload_json):
    WATCH.begin()
    try:
        return '{"result":' + _session.handle(kind, payload_json) + '}'
    except UserError as error:
        return json.dumps({"error": {"message": str(error), "traceback": ""}})
    except BaseException as error:
        return json.dumps({"error": {"message": f"{type(error).__name__}: {error}",
                                     "traceback": traceback.format_exc()}})
    finally:
        WATCH.end()
`;

let call = null;            // the Python `call` function, once loaded

const post = (message) => self.postMessage(message);
const loading = (stage, percent, detail = "") => post({ type: "loading", payload: { stage, percent, detail } });

// Every fetch of this site while Python starts: one that fails (no answer, an HTTP error, or a body that breaks
// off) ends the start, naming the file; the bytes of the runtime's big files are counted as they stream in, so the
// page can show a real download percentage.
function watchedFetch(plainFetch, sizes, onBytes) {
  return async (input, init) => {
    const file = siteFile(input);
    if (file === null) return plainFetch(input, init);
    let response;
    try {
      response = await plainFetch(input, init);
    } catch {
      throw failDownload(file, "network error");
    }
    if (!response.ok) throw failDownload(file, `HTTP ${response.status}`);
    if (!response.body) return response;
    const counted = file.split("/").pop() in sizes;
    const reader = response.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch {
          const problem = failDownload(file, "the download broke off");
          return controller.error(problem);
        }
        if (chunk.done) return controller.close();
        if (counted) onBytes(chunk.value.byteLength);
        controller.enqueue(chunk.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

async function start() {
  loading("download", 0);
  const plainFetch = self.fetch;
  self.fetch = watchedFetch(plainFetch.bind(self), {}, () => {});
  let startup;
  let manifest;
  try {
    // What a failed download leaves waiting ends when the download watch rejects.
    const watched = (promise) => Promise.race([promise, downloadWatch]);
    const manifestText = await watched((async () => (await fetch(here("./manifest.json"), { cache: "no-cache" })).text())());
    manifest = JSON.parse(manifestText);
    const big = ["pyodide.asm.wasm", "python_stdlib.zip"];
    const sizes = Object.fromEntries(big.map((name) => [name, manifest.files[`pyodide/${name}`].size]));
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    let received = 0;
    let shown = -1;
    self.fetch = watchedFetch(plainFetch.bind(self), sizes, (bytes) => {
      received += bytes;
      const percent = Math.min(100, Math.floor((100 * received) / total));
      if (percent === shown) return;
      shown = percent;
      // Once the bytes are in, what remains of loadPyodide is compiling the runtime and starting Python.
      if (percent === 100) loading("python", 0);
      else loading("download", percent);
    });
    ({ loadPyodide } = await watched(import("./pyodide/pyodide.mjs").catch((error) => {
      // A module that did not download is a TypeError; any other error (a SyntaxError) is named as it is.
      throw failDownload("pyodide/pyodide.mjs", error instanceof TypeError ? "network error" : String(error));
    })));
    // No Cache Storage (some third-party frames), no snapshot: Python starts the normal way.
    const key = self.caches ? await snapshotKey(manifestText).catch(() => null) : null;
    startup = await watched((async () => (key && await fromSnapshot(key)) || freshStart(key, manifest.wheels))());
  } finally {
    self.fetch = plainFetch;
  }
  loading("install", 100);
  post({ type: "ready", payload: { pyodide: manifest.pyodide, startup } });
}

// The wheels at `paths` (relative to this worker) as bytes, in order; each one that did not download is named (all of
// them: hence the fetch that is not watched, which would end the start at the first).
const unwatchedFetch = self.fetch.bind(self);
async function fetchWheels(paths) {
  const results = await Promise.all(paths.map(async (path) => {
    const file = siteFile(here(path));
    try {
      const response = await unwatchedFetch(here(path));
      if (!response.ok) return { problem: { file, cause: `HTTP ${response.status}` } };
      return { bytes: new Uint8Array(await response.arrayBuffer()) };
    } catch {
      return { problem: { file, cause: "network error" } };
    }
  }));
  const missing = results.filter((result) => result.problem).map((result) => result.problem);
  if (missing.length) throw new DownloadError(missing);
  return results.map((result) => result.bytes);
}

// Python restored from this deploy's memory snapshot: our package (installed by micropip) already imported and the
// Session made. The file system is not in a snapshot, so the files micropip installed are written back from memory
// (the package reads its built-in dataset from there). Returns null (and deletes the snapshot if it was the problem)
// when there is none or it does not work.
async function fromSnapshot(key) {
  let bytes;
  try {
    bytes = await readSnapshot(key);
  } catch (error) {
    console.warn("microgpt: starting Python without its snapshot:", error.message);
    return null;
  }
  if (!bytes) return null;
  try {
    const pyodide = await loadPyodide({ indexURL: here("./pyodide/"), _loadSnapshot: bytes });
    pyodide.globals.get("write_installed_files")();
    adopt(pyodide);
    const probe = invoke("schema", {});
    if (probe.error) throw new Error(probe.error.message);
    return { from: "snapshot", bytes: bytes.byteLength, installer: pyodide.globals.get("installer")() };
  } catch (error) {
    call = null;
    if (downloadProblem) throw downloadProblem;       // the runtime did not download: the snapshot is not to blame
    console.warn("microgpt: the stored snapshot did not start; starting Python without it:", error.message);
    await deleteSnapshot(key).catch(() => {});
    return null;
  }
}

// Python started the normal way: micropip is loaded from its wheel and installs ours. With a key, the started state
// (before any request has touched it) is snapshotted for the next visit; storing it runs after `ready` and its failure
// costs only that.
async function freshStart(key, wheels) {
  // Both wheels download while Python starts, and each missing one is named rather than failing later. loadPackage
  // takes only a URL, so micropip's (115 kB) is fetched again: from the HTTP cache or the service worker if they
  // keep it.
  const fetched = fetchWheels([wheels.micropip, wheels.microgpt]);
  fetched.catch(() => {});    // awaited below; this only keeps an early failure from being reported twice
  const pyodide = await loadPyodide({ indexURL: here("./pyodide/"), _makeSnapshot: Boolean(key) });
  const [, ourWheel] = await fetched;
  loading("install", 0, "micropip");
  const problems = [];
  await pyodide.loadPackage(here(wheels.micropip), { errorCallback: (message) => problems.push(message) });
  if (!("micropip" in pyodide.loadedPackages)) throw new Error(`${wheels.micropip}: ${problems.join("; ")}`);
  loading("install", 40, "microgpt");
  const wheelFile = `/tmp/${wheels.microgpt.split("/").pop()}`;     // micropip reads name and version from it
  pyodide.FS.writeFile(wheelFile, ourWheel);
  await pyodide.runPythonAsync(installWithMicropip(wheelFile));
  pyodide.FS.unlink(wheelFile);
  pyodide.runPython(GLUE);
  let snapshot = null;
  if (key) {
    // Pyodide compares its registry of loaded packages with an empty one when it snapshots; the packages' files and
    // modules do not depend on it.
    for (const name of Object.keys(pyodide.loadedPackages)) delete pyodide.loadedPackages[name];
    try {
      snapshot = pyodide.makeMemorySnapshot();
      writeSnapshot(key, snapshot).catch((error) => console.warn("microgpt: snapshot not stored:", error.message));
    } catch (error) {
      console.warn("microgpt: no snapshot of this start:", error.message);
    }
  }
  adopt(pyodide);
  return { from: "fresh", bytes: snapshot ? snapshot.byteLength : 0, installer: pyodide.globals.get("installer")() };
}

// Python's entry point, and the beat the edited model.py's watch (microgpt/watch.py) gives from inside code that has
// not returned for a second or more: the page tells such an edit from a dead worker by it.
function adopt(pyodide) {
  call = pyodide.globals.get("call");
  pyodide.globals.get("set_beat")((seconds, line) => post({ type: "heartbeat", payload: { edit: { seconds, line } } }));
}

function invoke(type, payload) {
  return JSON.parse(call(type, JSON.stringify(payload ?? {})));
}

// Python itself can end under a request: `os._exit` in the edited model.py, or a fatal error such as WebAssembly's
// stack running out. `call` then throws, and no Python can run in this worker again. The request still gets an answer
// naming the likely cause, and the worker then fails as a crash does, so the page starts a fresh one (and restores
// its last model). `editInUse`: an edit was applied, so the edited code is the likely cause.
let editInUse = false;
let pythonEnded = null;     // the message, once Python has ended

function answer(type, payload) {
  if (pythonEnded) return { error: { message: pythonEnded, traceback: "" } };
  try {
    const envelope = invoke(type, payload);
    if (type === "edit" && !envelope.error) editInUse = Boolean(payload?.source);
    return envelope;
  } catch (error) {
    const cause = type === "edit" || editInUse
      ? "the edited model.py ended Python itself (os._exit, or a crash no Python code can catch)"
      : `Python ended unexpectedly (${error.message || error})`;
    pythonEnded = `${type} stopped: ${cause}; a fresh Python is starting`;
    // The page hears first whether the edit is to blame (then it is not applied again), then of the crash.
    post({ type: "ended", payload: { message: pythonEnded, edit: type === "edit" || editInUse } });
    setTimeout(() => { throw new Error(pythonEnded); });
    return { error: { message: pythonEnded, traceback: String(error.stack || "") } };
  }
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
        const envelope = answer("train", payload);
        if (envelope.error) return reply(id, envelope);
        const chunk = envelope.result;
        post({ id, type: "progress", payload: chunk });
        if (chunk.diverged) return post({ id, type: "result", payload: { reason: "diverged", ...chunk.diverged } });
        if (chunk.done) return post({ id, type: "result", payload: { reason: "done" } });
        await nextTurn();
      }
    } finally {
      loop.over = true;
    }
  })();
}

const HEARTBEAT_MS = 1000;
setInterval(() => post({ type: "heartbeat" }), HEARTBEAT_MS);

// Requests that arrive while Python loads wait for it, in order (each awaits the same promise).
const started = start().then(() => true, (error) => {
  const problem = downloadProblem ?? (error instanceof DownloadError ? error : null);
  post({ type: "failed", payload: { message: String(problem?.message || error.message || error),
    traceback: String(error.stack || ""), ...(problem ? { download: problem.file } : {}) } });
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
  reply(id, answer(type, payload));
};
