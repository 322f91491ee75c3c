// An experiment's trainings, run by learn/arms.js's plan: one after another in the page's worker, or side by side, one
// per worker: the page's own worker (its Python is up already) takes the first (the longest: experiments-view.js orders
// them so), extra workers the others. Each extra worker holds its own Python, restored from the memory snapshot the
// page's worker stored (worker.js), and its own watchdog (python/client-control.js): a lost one is replaced as the
// page's worker is, its arm is trained again from the start there, and the other arms go on. An arm the page's worker
// loses (the page restores that worker as for any run) is trained again from the start in an extra worker. The extra
// workers end with the experiment. Pause and Stop act on every arm under way. Train both uses one extra worker alone
// (the page's worker trains the new settings).

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
  // request: the page's worker's request function; plan: learn/arms.js's {workers, note}, the page's worker counted;
  // pageLane: the page's worker trains arms beside the extra workers (an experiment: its Python is up already, so one
  // Python fewer starts); false when it trains something else meanwhile (Train both's new settings), so every job is
  // an extra worker's.
  constructor({ request, plan, pageLane = true }) {
    this.mainRequest = request;
    this.plan = plan;
    this.pageLane = pageLane;
    this.workers = [];
    this.paused = false;
    this.stopped = false;
    this.underway = new Set();     // the `train` requests under way: {request}
    this.resumers = [];
    this.queue = [];               // the jobs no lane has taken yet
    this.outstanding = 0;          // the jobs not finished yet (queued or under way)
    this.wakers = [];              // lanes waiting for a job handed back or for the last one to end
    this.handedOver = new Map();   // job -> why the page's worker gave it up (an extra worker trains it again)
    this.retried = [];             // [{job, reason}]: jobs trained again after their worker was lost
    this.failed = [];              // [{job, reason}]: jobs that did not train
    this.note = "";                // why some arms trained one at a time after all
  }

  // Runs `trainJob(job, request, runner)` for each job. One worker: in order on the page's worker; a job's error ends
  // the experiment (the page restarts a lost worker as for any run). Side by side: lanes take the next job as soon as
  // they are free, the page's worker (pageLane) at once, each extra worker once its Python is up. A lost extra
  // worker's job is trained once more on its replacement; a job the page's worker loses (the page restores that
  // worker as for any run) is trained once more on an extra worker, and the page's worker takes no more; a job that
  // still fails is named in `failed` while the others go on. When no extra worker starts Python, the page's worker
  // trains them all (`note` says why). Resolves when every lane has finished.
  async run(jobs, trainJob) {
    if (this.plan.workers <= 1) {
      for (const job of jobs) {
        if (this.stopped) break;
        await trainJob(job, this.mainRequest, this);
      }
      return;
    }
    this.queue = [...jobs];
    this.outstanding = jobs.length;
    const extra = Math.min(this.plan.workers - 1, jobs.length - (this.pageLane ? 1 : 0));
    this.workers = Array.from({ length: Math.max(0, extra) }, (_, i) => new ArmWorker(i));
    try {
      const lanes = this.workers.map((worker) => this.lane(worker, trainJob));
      if (this.pageLane) lanes.push(this.mainLane(trainJob));
      await Promise.all(lanes);
      if (this.queue.length && !this.stopped && !this.pageLane) {
        // No extra worker could start Python: the rest train one after another in the page's worker.
        this.noExtraWorker();
        this.close();
        for (const job of this.queue.splice(0)) {
          if (this.stopped) break;
          await trainJob(job, this.mainRequest, this);
        }
      }
      // A job handed back by the page's worker when no extra worker was left to take it.
      for (const job of this.queue.splice(0)) {
        const reason = this.handedOver.get(job) ?? "no worker was left to train it";
        if (!this.stopped) this.failed.push({ job, reason });
      }
    } finally {
      this.close();
    }
  }

  // The next job for a free lane: one queued, or (while others are under way, any of which may be handed back) the
  // next one queued; null once none is left or on Stop.
  async next() {
    for (;;) {
      if (this.stopped) return null;
      if (this.queue.length) return this.queue.shift();
      if (this.outstanding === 0) return null;
      await new Promise((resolve) => this.wakers.push(resolve));
    }
  }

  // A job is over (trained, failed, or stopped), or one was handed back: the lanes waiting look again.
  wake(finished = true) {
    if (finished) this.outstanding--;
    for (const resolve of this.wakers.splice(0)) resolve();
  }

  noExtraWorker() {
    const reason = this.workers.map((worker) => worker.reason).find(Boolean) ?? "";
    this.note = `the extra workers could not start Python${reason ? ` (${reason})` : ""}`;
  }

  // The page's worker as one lane (its Python is up): it trains jobs until none is left; a job that fails here is
  // handed to an extra worker to train again from the start, and this lane ends.
  async mainLane(trainJob) {
    for (;;) {
      const job = await this.next();
      if (!job) return;
      try {
        await trainJob(job, this.mainRequest, this);
      } catch (error) {
        if (!this.stopped) {
          this.handedOver.set(job, error.message);
          this.queue.unshift(job);
          this.wake(false);
          return;
        }
      }
      this.wake();
    }
  }

  // One extra worker's lane: a job as soon as its Python is up, until none is left.
  async lane(worker, trainJob) {
    for (;;) {
      if (!(await worker.whenReady())) return this.laneEnded();
      const job = await this.next();
      if (!job) return undefined;
      if (!(await worker.whenReady())) {        // lost while it waited, and not back
        this.queue.unshift(job);
        this.wake(false);
        return this.laneEnded();
      }
      for (let attempt = 0; ; attempt++) {
        const lost = worker.losses.length;
        try {
          await trainJob(job, (type, payload, options) => worker.request(type, payload, options), this);
          if (this.handedOver.has(job)) this.retried.push({ job, reason: this.handedOver.get(job) });
          break;
        } catch (error) {
          if (this.stopped) break;
          const lostNow = worker.losses.length > lost;
          if (lostNow && attempt === 0 && (await worker.whenReady())) {
            this.retried.push({ job, reason: worker.losses.at(-1) });
            continue;
          }
          this.failed.push({ job, reason: error.message });
          break;
        }
      }
      this.wake();
      if (worker.state !== "ready") return this.laneEnded();
    }
  }

  // An extra worker's lane ends before the jobs do: when none is left that ever started Python, the page's worker
  // trains the arms one at a time, and the status says why.
  laneEnded() {
    if (this.pageLane && this.workers.every((worker) => !worker.wasReady && worker.state !== "loading")) {
      this.noExtraWorker();
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
    this.wake(false);
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
