// The page's side of the worker protocol (docs/PROTOCOL.md): numbered requests that resolve with `result`, reject with
// `error`, and stream `progress`; the worker's unsolicited `loading`/`ready`/`failed` events; and a watchdog that
// notices a dead or hung worker, terminates it, and starts a fresh one. Once ready, the worker is never unwatched:
// idle, its heartbeat (every second) must keep coming; busy, the pending request's own deadline applies (a training
// chunk's is the cap on one chunk's wall time). A crash (`error`) or an unreadable message (`messageerror`) counts at
// once.

import { editStuckText, replyDeadlineMs } from "./recovery.js";

export class WorkerError extends Error {
  constructor({ message, traceback = "" }) {
    super(message);
    this.traceback = traceback;
  }
}

export class WorkerClient {
  // handlers: {loading(payload), ready({pyodide}), failed(error), lost(reason)}; early: a worker already started from
  // `url` and the events it sent so far ({worker, events}, see early-start-control.js), adopted instead of a new one;
  // name: the worker's name (its `self.name`; an experiment's extra workers are "arm 1", "arm 2", …).
  // startRetryDelaysMs: when given (the page's own worker: recovery.js's START_RETRY_DELAYS_MS), a worker whose Python
  // did not start because a file did not download, or that stopped before its Python was up, is started again after
  // each wait in turn, the handlers told `retrying({reason, tried, delayMs})`; then `gaveUp({reason, download,
  // tries})`, and only `retry()` starts it again. Without it such a worker is `failed` or `lost` as any other.
  constructor(url, handlers, { early = null, name = "", loadTimeoutMs = 120_000, heartbeatTimeoutMs = 5_000,
    startRetryDelaysMs = null } = {}) {
    this.url = url;
    this.name = name;
    this.closed = false;
    this.handlers = handlers;
    this.loadTimeoutMs = loadTimeoutMs;
    this.heartbeatTimeoutMs = heartbeatTimeoutMs;
    this.startRetryDelaysMs = startRetryDelaysMs;
    this.failedStarts = 0;      // tries in a row whose Python did not start
    this.retryTimer = null;
    this.nextId = 1;
    this.pending = new Map();   // id -> {resolve, reject, onProgress}
    this.worker = null;
    this.watchdog = null;
    this.start(early);
  }

  start(early = null) {
    this.ready = false;
    this.heard = false;         // the worker has sent a message (its script loaded)
    this.inEdit = null;         // the last beat from inside the edited model.py ({seconds, line}), until it returns
    this.ended = null;          // the worker's word that Python ended ({message, edit}), before its crash
    this.worker = early ? early.worker : new Worker(this.url, { type: "module", name: this.name });
    this.worker.onmessage = this.worker.onmessageerror = this.worker.onerror = (event) => this.handle(event);
    this.arm(this.loadTimeoutMs, "Python did not finish loading in time");
    for (const event of early ? early.events : []) this.handle(event);
  }

  // A message from the worker, a crash (`error`) or a message that could not be read (`messageerror`).
  handle(event) {
    if (event.type === "message") return this.receive(event.data);
    if (event.type === "messageerror") return this.lose("the Python worker sent a message that could not be read");
    event.preventDefault();
    // Python ended under a request (the worker said why just before): the edit is to blame when it was in use.
    if (this.ended) return this.lose(this.ended.message, { edit: this.ended.edit });
    // A worker that fails with no message before it has said anything: its script (worker.js or a module it
    // imports) did not load.
    if (!this.ready && !this.heard && !event.message) {
      if (this.notStarted("worker.js or a module it imports did not download", { again: true, download: true })) {
        return undefined;
      }
    } else if (!this.ready && this.notStarted(`the Python worker crashed while starting (${event.message || "no details"})`,
      { again: true })) {
      return undefined;
    }
    return this.lose(`the Python worker crashed (${event.message || "no details"})`);
  }

  // A deadline for the next message from the worker; any message pushes it back, silence past it means a hang.
  // An idle deadline is not enforced in a hidden tab: browsers throttle a background page's timers (and may its
  // worker's), and an idle worker there costs nothing.
  arm(ms, reason, { idle = false } = {}) {
    clearTimeout(this.watchdog);
    this.armedMs = ms;
    this.armedIdle = idle;
    this.watchdog = setTimeout(() => {
      if (idle && document.visibilityState === "hidden") this.arm(ms, reason, { idle });
      else if (this.inEdit) this.lose(editStuckText(this.inEdit), { edit: true });
      else if (!this.ready && this.notStarted(reason, { again: true })) return;
      else this.lose(reason);
    }, ms);
  }

  quiet() {
    clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  receive(message) {
    const { id, type, payload } = message;
    this.heard = true;
    if (type === "heartbeat") {
      // A beat from inside the edited model.py (microgpt/watch.py): the worker lives, but the edit has not returned.
      // It does not push the deadline back: code that never returns must not hold the page forever.
      if (payload?.edit) {
        this.inEdit = payload.edit;
        return this.handlers.editBusy?.(payload.edit);
      }
      if (this.ready) this.rearm();
      return undefined;
    }
    if (this.inEdit) {
      this.inEdit = null;
      this.handlers.editBusy?.(null);
    }
    if (type === "ended") {
      this.ended = payload;
      return undefined;
    }
    if (type === "loading") {
      this.arm(this.loadTimeoutMs, "Python did not finish loading in time");
      return this.handlers.loading?.(payload);
    }
    if (type === "ready") {
      this.ready = true;
      this.failedStarts = 0;
      this.rearm();
      return this.handlers.ready?.(payload);
    }
    if (type === "failed") {
      const download = Boolean(payload.download);
      if (this.notStarted(payload.message, { again: download, download })) return undefined;
      this.quiet();
      return this.handlers.failed?.(new WorkerError(payload));
    }
    const request = this.pending.get(id);
    if (!request) return;
    if (type === "progress") {
      this.rearm();
      return request.onProgress?.(payload);
    }
    this.pending.delete(id);
    this.rearm();
    if (type === "result") request.resolve(payload);
    else request.reject(new WorkerError(payload));
  }

  // The worker answers requests in order between training chunks, so the most patient pending request sets the
  // deadline; with none pending, the next heartbeat does.
  rearm() {
    if (this.pending.size === 0) {
      if (!this.ready) return this.quiet();
      return this.arm(this.heartbeatTimeoutMs,
        `the Python worker stopped responding (no heartbeat in ${Math.round(this.heartbeatTimeoutMs / 1000)} s)`,
        { idle: true });
    }
    const slowest = [...this.pending.values()].reduce((a, b) => (b.timeoutMs > a.timeoutMs ? b : a));
    this.arm(slowest.timeoutMs, slowest.timeoutReason);
  }

  // timeoutMs: the longest silence allowed before the worker counts as hung (training chunks reset it); by default
  // the request type's (recovery.js).
  request(type, payload = {}, { onProgress, timeoutMs = replyDeadlineMs(type) } = {}) {
    const id = this.nextId++;
    const timeoutReason = `the Python worker stopped responding (no reply to "${type}" in ${Math.round(timeoutMs / 1000)} s)`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress, timeoutMs, timeoutReason });
      // Sending proves nothing about the worker's health, so only a more patient request may extend the deadline.
      // An idle deadline (the heartbeat's) gives way to the request's own.
      if (!this.watchdog || this.armedIdle || timeoutMs > this.armedMs) this.arm(timeoutMs, timeoutReason);
      this.worker.postMessage({ id, type, payload });
    });
  }

  // The reader's Stop for an edit that does not return: the worker cannot hear a request while Python runs, so it is
  // replaced, and the edit is not applied again.
  stopEdit() {
    if (this.inEdit) this.lose(editStuckText(this.inEdit, { stopped: true }), { edit: true });
  }

  // Give up on this worker: fail what is pending, then start over with a fresh one. edit: the edited model.py is the
  // cause (it ended Python, or did not return).
  lose(reason, { edit = false } = {}) {
    if (this.closed) return;
    this.end(reason);
    this.handlers.lost?.(reason, { edit });
    if (!this.closed) this.start();     // the handler may have closed it for good
  }

  // Python did not start in this worker (see startRetryDelaysMs): end it, and start another after the next wait, or
  // give up. again: a new try may work (a file did not download, the worker stopped or took too long), else it is
  // not tried again by itself (Python itself failed); download: the cause was a download. Returns false when this
  // client does not retry starts (the caller then fails or loses the worker as before).
  notStarted(reason, { again = false, download = false }) {
    if (!this.startRetryDelaysMs || this.closed) return false;
    this.end(reason);
    this.failedStarts++;
    const delayMs = again ? this.startRetryDelaysMs[this.failedStarts - 1] : undefined;
    if (delayMs === undefined) {
      this.handlers.gaveUp?.({ reason, download, tries: this.failedStarts });
      return true;
    }
    this.handlers.retrying?.({ reason, tried: this.failedStarts, delayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closed) return;
      this.handlers.retrying?.({ reason, tried: this.failedStarts, delayMs: 0 });
      this.start();
    }, delayMs);
    return true;
  }

  // The reader's Retry once the client gave up: a fresh worker, and a fresh round of tries.
  retry() {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failedStarts = 0;
    this.end("Python is starting again");
    this.start();
  }

  // End this worker for good (an experiment's extra worker, once the experiment is over): what is pending fails with
  // `reason`, and no fresh worker starts.
  close(reason = "the worker was closed") {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.end(reason);
  }

  end(reason) {
    this.quiet();
    this.worker.terminate();
    this.inEdit = null;
    this.ended = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) request.reject(new WorkerError({ message: reason }));
    this.handlers.editBusy?.(null);
  }
}
