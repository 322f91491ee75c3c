// Keeps the runs: it follows the page's events (base/events.js), and when a run finishes or is stopped it draws a few
// names from it and files its record (runs.js) in the list the run-list view shows. It owns the list; Vary and
// Delete come back here. Persistence can read `runs` and listen with `onChange`, and put records back with `load`
// (merged with other tabs' runs: a record's `key` names it in storage, its tab first).

import { addRun, deleteRun, makeRecord, nextRunId } from "./runs.js";
import { RunListView } from "./runs-view.js";

export class RunKeeper {
  // currentData(): the data payload sent with `configure`; sampling(): the Samples form's payload for `sample`;
  // vary(run): load a run's settings into the form; onSamples(names): names drawn for a new record; newKey(): the
  // name of a new record in storage (null: it is not stored, and gets a name for this page's life).
  constructor({ on, currentData, sampling, vary, onSamples = () => {}, onChange = () => {}, newKey = () => null }) {
    this.runs = [];
    this.request = null;
    // the run being trained: {summary, data, events, activeMs, since, startedAt, kept, key}
    this.current = null;
    this.sampling = sampling;
    this.onSamples = onSamples;
    this.onChange = onChange;
    this.newKey = newKey;
    this.view = new RunListView({
      onVary: (run) => vary(run),
      onDelete: (run) => this.set(deleteRun(this.runs, run.id)),
    });
    on("ready", ({ request }) => { this.request = request; });
    on("configured", (summary) => {
      this.current = { summary, data: currentData(), events: [], activeMs: 0, since: null, startedAt: Date.now(),
        kept: false };
    });
    on("progress", (chunk) => this.current?.events.push(...chunk.events));
    on("phase", ({ phase }) => this.clock(phase));
    on("finished", ({ reason, message = "" }) => {
      if (["stop", "done", "error", "diverged"].includes(reason)) {
        this.keep(reason === "diverged" || /diverged/.test(message));
      }
    });
    on("cleared", () => { this.current = null; });
    on("lost", () => { this.current = null; });
    on("sampled", ({ samples }) => this.resample(samples));
    this.view.show(this.runs);
  }

  // Training time only: the clock runs while a train request is out, not while the run is paused.
  clock(phase) {
    const run = this.current;
    if (!run) return;
    const running = ["training", "pausing", "stopping"].includes(phase);
    if (running && run.since === null) run.since = performance.now();
    if (!running && run.since !== null) {
      run.activeMs += performance.now() - run.since;
      run.since = null;
    }
  }

  async keep(diverged) {
    const run = this.current;
    if (!run || run.kept || run.events.length === 0) return;
    run.kept = true;
    this.clock("stopped");
    const record = this.file({ summary: run.summary, data: run.data, events: run.events, durationS: run.activeMs / 1000,
      diverged, startedAt: run.startedAt });
    run.key = record.key;
    try {
      const { samples } = await this.request("sample", this.sampling());
      this.resample(samples, record);
      this.onSamples(samples);
    } catch {
      // A run whose sampling settings are invalid is kept without names; Generate can add them later.
    }
  }

  // A record for a run, added to the list; returns it.
  file({ summary, data, events, durationS, diverged, startedAt, samples = [] }) {
    const id = nextRunId(this.runs);
    const record = makeRecord({
      id, key: this.newKey() ?? `page/${id}-${Date.now()}`, config: summary.config, data, numDocs: summary.num_docs,
      vocabSize: summary.vocab_size, events, samples, durationS, command: summary.edited ? null : summary.command ?? null,
      diverged, edited: Boolean(summary.edited), startedAt,
    });
    this.set(addRun(this.runs, record));
    return record;
  }

  // A run trained beside the page's (Train both's previous settings, in a second worker: run/both-control.js) is
  // kept as any run, with the names its worker drew before it closed.
  keepSide(run) {
    if (run.events.length) this.file(run);
  }

  // Names generated from the newest kept run (by Generate, or when it was kept) belong to its record.
  // (Its number may change when another tab's run takes it: its key does not.)
  resample(samples, made = this.current?.kept ? this.current : null) {
    const i = this.runs.findIndex((run) => made && run.key === made.key);
    if (i < 0) return;
    const runs = [...this.runs];
    runs[i] = { ...runs[i], samples: [...samples] };
    this.set(runs);
  }

  // Put records back (persistence: the stored ones merged with this list), replacing the list.
  load(records) {
    this.set([...records]);
  }

  set(runs) {
    this.runs = runs;
    this.view.show(runs);
    this.onChange(runs);
  }
}
