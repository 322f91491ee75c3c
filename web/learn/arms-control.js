// An experiment's trainings, run by learn/arms.js's plan: one after another in the page's worker, or side by side in
// extra workers, one per arm. Each extra worker holds its own Python, restored from the memory snapshot the page's
// worker stored (worker.js), and its own watchdog (python/client-control.js): a lost one is replaced as the page's
// worker is, its arm is trained again from the start there, and the other arms go on. The extra workers end with the
// experiment; the page's worker is not used while they train. Pause and Stop act on every arm under way.

import { WorkerClient } from "../python/client-control.js";
import { WORKER_URL } from "../python/early-start-control.js";
import { snapshotStored } from "../python/snapshot-control.js";
import { armWorkers, forcedWorkers } from "./arms.js";

// How many workers `trainings` may take in this browser: learn/arms.js's plan from its cores, its memory, the stored
// snapshot and a `?workers=N` in the address.
export async function planWorkers(trainings) {
  return armWorkers({ trainings, cores: navigator.hardwareConcurrency, memoryGb: navigator.deviceMemory,
    snapshot: trainings > 1 && await snapshotStored(), forced: forcedWorkers(location.search) });
}

// One extra worker: its client, and whether its Python is up.
class ArmWorker {
  constructor(index) {
    this.losses = [];          // why it was lost, each time (its client then starts a fresh one)
    this.wasReady = false;     // its Python has been up at least once
    this.reason = "";          // why it could not start, when it could not
    this.state = "loading";    // "loading" | "ready" | "failed" | "closed"
    this.waiters = [];
    this.client = new WorkerClient(WORKER_URL, {
      ready: () => this.settle("ready"),
      failed: (error) => {
        this.reason = error.message;
        this.settle("failed");
      },
      lost: (reason) => this.lost(reason),
    }, { name: `arm ${index + 1}` });
  }

  // A worker lost before its Python was ever up (its script or Python cannot load here) is not started again: it
  // would only fail again. One lost later is replaced by its client.
  lost(reason) {
    this.losses.push(reason);
    if (this.wasReady) {
      this.state = "loading";
      return;
    }
    this.reason = reason;
    this.client.close(reason);
    this.settle("failed");
  }

  settle(state) {
    this.state = state;
    if (state === "ready") this.wasReady = true;
    for (const resolve of this.waiters.splice(0)) resolve(state === "ready");
  }

  // True once Python is up (again), false when it failed to start or the worker was closed.
  whenReady() {
    if (this.state !== "loading") return Promise.resolve(this.state === "ready");
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  request(type, payload, options) {
    return this.client.request(type, payload, options);
  }

  close() {
    this.client.close("the experiment is over");
    this.settle("closed");
  }
}

export class ArmRunner {
  // request: the page's worker's request function; plan: learn/arms.js's {workers, note}.
  constructor({ request, plan }) {
    this.mainRequest = request;
    this.plan = plan;
    this.workers = [];
    this.paused = false;
    this.stopped = false;
    this.underway = new Set();     // the `train` requests under way: {request}
    this.resumers = [];
    this.retried = [];             // [{job, reason}]: jobs trained again after their worker was lost
    this.failed = [];              // [{job, reason}]: jobs that did not train
    this.note = "";                // why some arms trained one at a time after all
  }

  // Runs `trainJob(job, request, runner)` for each job (in order on the page's worker, or each on an extra worker as
  // soon as one is free) until all are done or Stop. A job's error ends the experiment on the page's worker (the page
  // restarts it as for any run); on an extra worker a lost worker's job is trained once more on its replacement, and
  // a job that still fails is named in `failed` while the others go on. When no extra worker starts Python, the jobs
  // train in the page's worker after all (`note` says why). Resolves when every worker has finished.
  async run(jobs, trainJob) {
    if (this.plan.workers <= 1) {
      for (const job of jobs) {
        if (this.stopped) break;
        await trainJob(job, this.mainRequest, this);
      }
      return;
    }
    const queue = [...jobs];
    this.workers = Array.from({ length: Math.min(this.plan.workers, jobs.length) }, (_, i) => new ArmWorker(i));
    try {
      await Promise.all(this.workers.map((worker) => this.lane(worker, queue, trainJob)));
      if (queue.length && !this.stopped) {
        // No extra worker could start Python: the rest train one after another in the page's worker.
        const reason = this.workers.map((worker) => worker.reason).find(Boolean) ?? "";
        this.note = `the extra workers could not start Python${reason ? ` (${reason})` : ""}`;
        this.close();
        for (const job of queue.splice(0)) {
          if (this.stopped) break;
          await trainJob(job, this.mainRequest, this);
        }
      }
    } finally {
      this.close();
    }
  }

  async lane(worker, queue, trainJob) {
    while (queue.length && !this.stopped) {
      if (!(await worker.whenReady())) return;
      const job = queue.shift();
      for (let attempt = 0; ; attempt++) {
        const lost = worker.losses.length;
        try {
          await trainJob(job, (type, payload, options) => worker.request(type, payload, options), this);
          break;
        } catch (error) {
          if (this.stopped) return;
          const lostNow = worker.losses.length > lost;
          if (lostNow && attempt === 0 && (await worker.whenReady())) {
            this.retried.push({ job, reason: worker.losses.at(-1) });
            continue;
          }
          this.failed.push({ job, reason: error.message });
          if (worker.state !== "ready") return;
          break;
        }
      }
    }
  }

  // One training's `train` request, through pauses, to its end: the worker's result (reason "done", "diverged" or
  // "stop"). A training that would start while paused waits for Resume first.
  async train(request, options) {
    for (;;) {
      if (this.paused) await this.resumed();
      if (this.stopped) return { reason: "stop" };
      const entry = { request };
      this.underway.add(entry);
      let result;
      try {
        result = await request("train", {}, options);
      } finally {
        this.underway.delete(entry);
      }
      if (result.reason !== "pause") return result;
    }
  }

  resumed() {
    return new Promise((resolve) => this.resumers.push(resolve));
  }

  // Every arm under way ends its chunk and waits; Resume goes on, Stop ends them all.
  pause() {
    if (this.paused || this.stopped) return;
    this.paused = true;
    for (const { request } of this.underway) request("pause").catch(() => {});
  }

  resume() {
    this.paused = false;
    for (const resolve of this.resumers.splice(0)) resolve();
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    for (const { request } of this.underway) request("stop").catch(() => {});
    this.resume();
  }

  // The extra workers end (their Python's memory goes back); the page's worker stays.
  close() {
    for (const worker of this.workers) worker.close();
  }

  // How many extra workers are alive now (for the tests).
  get alive() {
    return this.workers.filter((worker) => worker.state !== "closed").length;
  }
}
