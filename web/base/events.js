// What happens on the page, for views to follow: the wiring emits (app.js, run/run-control.js, run/checks-control.js,
// settings/state-control.js), a view registers with `on(type, listener)` and never reaches into the controller. A
// listener that throws is logged and the others still hear the event.
//
//   "ready"      {request}   Python answers: request(type, payload) sends a Session request (docs/PROTOCOL.md) and
//                            resolves with its result. Again after a lost worker restarted.
//   "configured" summary     a new run started: the `configure` reply (data summary, config, num_params).
//   "progress"   chunk       a training chunk: {events: [{step, loss, lr, holdout_loss?, elapsed}], step, num_steps,
//                            done, steps_per_sec, timeline?} (timeline: names sampled at held-out evaluations).
//                            Chunks of an abandoned run are never emitted.
//   "stepped"    reply       Step once took one step: the `step` reply (its document, positions, updates).
//   "checked"    {config, vocabSize, ok}   Python answered the settings check (ok: the settings are valid).
//   "lost"       {reason}    the worker was lost (crashed, hung or stopped); a new one starts.
//   "finished"   {reason, message?}   the training loop ended: "pause" | "stop" | "done" | "diverged" | "error" (the
//                            model is kept; after "diverged", its last finite state; message: the error's or the
//                            divergence's, e.g. "training diverged at step …").
//   "diverged"   {step, loss, message}   the run blew up at `step` (not taken; `loss` null when not finite).
//   "phase"      {phase, previous, controls}   the phase changed; controls: phases.js's answer for it.
//   "cleared"    {}          the run is gone (Reset, or the worker was lost): views forget it.
//   "sampled"    {samples}   names were generated.
//   "state"      {state, from, mode?}   the page's state changed (settings/state.js, state-control.js). from: "page"
//                            (the reader's edit; mode "typing", "commit" or "update"), "link", "stored", "vary", "model".

const listeners = new Map();     // type -> [listener]

export function on(type, listener) {
  if (!listeners.has(type)) listeners.set(type, []);
  listeners.get(type).push(listener);
}

export function emit(type, detail = {}) {
  for (const listener of listeners.get(type) ?? []) {
    try {
      listener(detail);
    } catch (error) {
      console.error(`a "${type}" listener failed:`, error);
    }
  }
}

// The next event of this type, as a promise.
export function next(type) {
  return new Promise((resolve) => on(type, resolve));
}

// Resolves when Python is first ready. Registered when this module loads, before app.js can emit anything, so no module
// that waits for it can miss it (python/offline-control.js waits for it before fetching the deploy a second time).
export const pythonReady = next("ready");
