// How many workers train an experiment's arms, with no DOM (tests/js/arms.test.mjs). One worker (the page's own, one
// arm after another) unless the browser reports more than one core, memory for another Python, and a memory snapshot
// to start each extra Python from: then one worker per arm, the page's own (its Python is up already) and an extra one
// for each other arm, up to one per core the browser reports. The page's main thread only draws meanwhile (a few
// short tasks a second), so it is not given a core of its own: on 2 cores, two workers bring a three-arm experiment
// to 0.61–0.67x of one worker, three to 0.71–0.75x (medians; docs/benchmarks.md, "Experiment arms in parallel").
// arms-control.js starts and ends the extra workers.

// What one more worker holding a started Python is budgeted, in MB. bench/arms_bench.py measured 79–107 MB per extra
// worker (docs/benchmarks.md, "Experiment arms in parallel": Chromium's PSS, the experiment's small arms); 160 is the
// largest of those with about 50% margin, a judgement, not a measure: other browsers and larger models were not
// measured and hold more (a worker's Python grows with the model it trains).
export const PER_WORKER_MB = 160;
// The share of the device's memory extra workers may take: the page, the browser and the reader's other tabs keep
// the rest.
const MEMORY_SHARE = 0.25;

// The debug switch `?workers=N` in the page's address (the tests and the benchmark force a count with it): N, a whole
// number from 1 to 16, or null when absent or not such a number.
export function forcedWorkers(search) {
  const value = new URLSearchParams(search).get("workers");
  return value !== null && /^(?:[1-9]|1[0-6])$/.test(value) ? Number(value) : null;
}

// trainings: how many distinct models the experiment still trains; cores: navigator.hardwareConcurrency (undefined
// when the browser does not say); memoryGb: navigator.deviceMemory (Chromium only; undefined elsewhere); snapshot:
// whether this deploy's memory snapshot is stored; forced: forcedWorkers(…). Returns {workers, note}: workers 1 means
// the page's worker trains the arms one after another; 2 or more, that many workers train them side by side: the
// page's own and workers - 1 extra ones (Train both: the page's run and one extra worker).
// note: why an experiment that could use more workers gets one ("" when nothing is short).
export function armWorkers({ trainings, cores, memoryGb, snapshot, forced = null }) {
  const wanted = Math.min(trainings, forced ?? Math.max(1, Number.isInteger(cores) ? cores : 1));
  if (wanted <= 1) return { workers: 1, note: "" };
  if (typeof memoryGb === "number" && memoryGb > 0) {
    const extra = Math.floor((memoryGb * 1024 * MEMORY_SHARE) / PER_WORKER_MB);    // extra Pythons that fit
    if (extra < 1) {
      return { workers: 1, note: `this device reports ${memoryGb} GB of memory, too little for another Python` };
    }
    if (extra + 1 < wanted) return { workers: extra + 1, note: "" };
  }
  if (!snapshot) {
    return { workers: 1, note: "this browser keeps no memory snapshot of Python (storage refused, full, or not " +
      "written yet), and each extra worker would have to start Python from scratch" };
  }
  return { workers: wanted, note: "" };
}

// The jobs, longest first by `seconds` (one estimate per job, in order; equal ones keep their order). Side by side,
// the page's worker (its Python up already) takes the first job at once and the extra workers the others once their
// Python has started, so the longest training does not wait for a start: with a 100-step and a 1000-step arm, the
// 1000 steps begin at Run.
export function longestFirst(jobs, seconds) {
  return jobs.map((job, index) => ({ job, index, length: seconds[index] ?? 0 }))
    .sort((a, b) => b.length - a.length || a.index - b.index)
    .map(({ job }) => job);
}

// What the status says while arms train: "Training context 16, block_size 4 side by side (2 workers)…",
// "Training block_size 1 (3 of 3)…", or, with a note, "… one at a time: <note>…".
export function trainingText(labels, { done, total, workers, note = "" }) {
  if (workers > 1) {
    return `Training ${labels.join(", ")} side by side (${workers} workers, ${done} of ${total} done)…`;
  }
  const shortage = note ? `, one at a time: ${note}` : "";
  return `Training ${labels[0]} (${done + 1} of ${total})${shortage}…`;
}
