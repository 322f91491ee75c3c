"""Benchmark of an experiment's arms in parallel workers, and of the page's training speed in each browser engine, in
one run (not a test: it reports, it does not assert).

1. The three-arm "context" experiment (block_size 16, 4, 1; 300 steps each) in Chromium, from Run pressed to the
   outcome shown, right after the experiment is opened: one worker (the page's, arms one after another:
   `?workers=1`) against two workers (the page's and one extra: `?workers=2`, as many as this machine's cores) and
   three (one per arm, the page's and two extra: `?workers=3`); the switch forces each count (the page's own rule,
   one worker per core, gives two on 2 cores). Runs interleaved, median of --repeat each. Goal: parallel <= 0.6x one
   worker. Every extra worker starts its Python after Run is pressed, so its start-up is inside the time. Each run's
   CPU time (every Chromium process's user + system time) is reported too, with the least time this machine's cores
   allow for that much work. The arms' losses of every way are compared too (they must be equal bit for bit;
   tests/e2e/test_arms.py is the test of that).
2. The extra memory per extra worker: the proportional set size (PSS, /proc/PID/smaps_rollup) of every Chromium
   process of this benchmark, sampled every second while the experiment runs, in runs of their own after the timed
   ones (a sample takes tens of ms of CPU from the cores the timed runs want); (the peak with three workers - the peak
   with the page's worker alone) / 2, the extra workers of three. performance.measureUserAgentSpecificMemory is
   reported when the page may call it (it needs a cross-origin-isolated page, which this site is not).
3. The default 1000-step run (Train pressed to done, the page's own timings: first step to done) in Chromium,
   Firefox and WebKitGTK side by side, each driven as its e2e smoke test drives it (tests/e2e/engines.py).

    python -m bench.arms_bench [--repeat 5] [--engines chromium firefox webkit] [--json out.json]
"""

import argparse
import contextlib
import json
import os
import pathlib
import statistics
import tempfile
import threading

from playwright.sync_api import sync_playwright

from tests.chromium import launch_options
from tests.e2e.engines import DRIVERS, missing
from tests.site import load_build_module

ARMS = ["block_size 16", "block_size 4", "block_size 1"]
WORKERS = (1, 2, 3)         # ?workers=N: the page's worker alone, with one extra worker, with two
STEPS_PER_SEC = ("(t => (window.__microgpt.events.length - 1) / ((t.trainEnd - t.firstStep) / 1000))"
                 "(window.__microgpt.timings)")


def descendants(pid):
    """Every process below `pid` (the Playwright driver, the browser and its children)."""
    children = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def chromium_pids():
    """This process's Chromium processes (the browser and its children)."""
    found = []
    for pid in descendants(os.getpid()):
        try:
            if b"chrom" in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


TICKS = os.sysconf("SC_CLK_TCK")


def chromium_cpu_s():
    """The CPU time (user + system) Chromium's processes have used so far, in seconds: a process's counters include
    its threads that have ended, such as an extra worker's."""
    total = 0
    for pid in chromium_pids():
        try:
            fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def chromium_pss_mb():
    """The summed PSS of this process's Chromium processes, in MB."""
    total = 0
    for pid in chromium_pids():
        try:
            for line in pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


# One sample reads every Chromium process's smaps_rollup, tens of ms of CPU while the Pythons are up: every 0.2 s it
# took ~15% of a core from the experiment it timed (the parallel runs want both cores), so the memory is measured in
# runs of its own. It is steady while the arms train: a sample a second finds its peak.
SAMPLE_EVERY_S = 1.0


class Sampler:
    """The peak of chromium_pss_mb() while it runs (a thread sampling every SAMPLE_EVERY_S)."""

    def __enter__(self):
        self.peak, self.done = 0.0, threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        while not self.done.is_set():
            self.peak = max(self.peak, chromium_pss_mb())
            self.done.wait(SAMPLE_EVERY_S)

    def __exit__(self, *_):
        self.done.set()
        self.thread.join()


def wait_idle(page, timeout=120_000):
    page.wait_for_function("window.__microgpt && window.__microgpt.phase === 'idle' && window.__microgpt.idle",
                           timeout=timeout, polling=200)


# The page's own clock from Run pressed to the outcome shown: Playwright's wait for a selector looks again only every
# 0.5 s after its first few tries, which put up to half a second on every time (they came out in steps of 0.5 s).
CLOCK = """(() => {
  const clock = window.__armsClock = {};
  const block = document.querySelector("#experiment-outcome-block");
  document.querySelector("#experiment-run").addEventListener("click", () => { clock.pressed = performance.now(); },
    { capture: true, once: true });
  new MutationObserver((_, observer) => {
    if (block.hidden) return;
    clock.shown = performance.now();
    observer.disconnect();
  }).observe(block, { attributes: true, attributeFilter: ["hidden"] });
})()"""


def run_experiment(page, url, workers, sampler=contextlib.nullcontext):
    """Seconds from Run pressed to the outcome shown, Chromium's CPU seconds meanwhile, the `sampler` meanwhile, and
    each arm's losses."""
    page.goto(f"{url}?workers={workers}#experiment=context")
    wait_idle(page)
    page.check("#experiment-choices input[value='skip']")
    page.evaluate(CLOCK)
    with sampler() as memory:
        cpu = chromium_cpu_s()
        page.click("#experiment-run")
        page.wait_for_selector("#experiment-outcome-block:not([hidden])", timeout=600_000)
        cpu = chromium_cpu_s() - cpu
    seconds = page.evaluate("window.__armsClock.shown - window.__armsClock.pressed") / 1000
    plan = page.evaluate("window.__microgpt.experiment.plan")
    assert plan["workers"] == workers, f"asked for {workers} workers, the page planned {plan}"
    losses = {label: arm["losses"] for label, arm in page.evaluate("window.__microgpt.experiment.arms").items()}
    return seconds, cpu, memory, losses


def bench_arms(url, repeat):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options())
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.goto(url)
        wait_idle(page)
        page.wait_for_function("caches.open('microgpt-snapshot').then((c) => c.keys()).then((k) => k.length > 0)",
                               timeout=60_000, polling=500)
        uasm = page.evaluate("self.crossOriginIsolated && 'measureUserAgentSpecificMemory' in performance")
        runs = {workers: [] for workers in WORKERS}
        cpu = {workers: [] for workers in WORKERS}
        losses = {}
        for _ in range(repeat):
            for workers in WORKERS:
                seconds, used, _, arms = run_experiment(page, url, workers)
                runs[workers].append(seconds)
                cpu[workers].append(used)
                losses.setdefault(workers, arms)
        peaks = {workers: run_experiment(page, url, workers, Sampler)[2].peak for workers in (1, 3)}
        context.close()
        browser.close()
    median = {workers: statistics.median(runs[workers]) for workers in WORKERS}
    cpu_median = {workers: statistics.median(cpu[workers]) for workers in WORKERS}
    return {"seconds": {str(k): v for k, v in runs.items()},
            "ratio": {str(k): median[k] / median[1] for k in WORKERS if k > 1},
            "cpu_s": {str(k): v for k, v in cpu.items()},
            # However the arms are shared out, two cores need at least half the CPU time the run used.
            "cpu_floor": {str(k): cpu_median[k] / min(k, os.cpu_count()) / median[1] for k in WORKERS if k > 1},
            "peak_pss_mb": {str(k): v for k, v in peaks.items()},
            "extra_mb_per_worker": (peaks[3] - peaks[1]) / 2,
            "equal_losses": all(losses[k] == losses[1] for k in WORKERS) and list(losses[1]) == ARMS,
            "measureUserAgentSpecificMemory": bool(uasm)}


class ChromiumDriver:
    """Chromium behind the engines' driver interface (evaluate, wait, click), for the side-by-side steps/s."""

    def __init__(self, playwright):
        self.browser = playwright.chromium.launch(**launch_options())
        self.page = self.browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True).new_page()

    def goto(self, url):
        self.page.goto(url)

    def evaluate(self, expression, frame=None):
        return self.page.evaluate(f"(async () => await ({expression}))()")

    def wait(self, expression, timeout=60, frame=None):
        self.page.wait_for_function(expression, timeout=timeout * 1000, polling=200)

    def click(self, selector, frame=None):
        self.page.click(selector)

    def close(self):
        self.browser.close()


def default_run_steps_per_sec(driver, url):
    driver.goto(url)
    driver.wait("window.__microgpt && window.__microgpt.phase === 'idle' && window.__microgpt.idle", 180)
    driver.click("#train")
    driver.wait("window.__microgpt.phase === 'done'", 300)
    return driver.evaluate(STEPS_PER_SEC)


def bench_engines(url, engines):
    results = {}
    with sync_playwright() as playwright:
        for name in engines:
            if name != "chromium" and missing(name):
                results[name] = f"skipped: {missing(name)}"
                continue
            driver = (ChromiumDriver(playwright) if name == "chromium"
                      else DRIVERS[name](pathlib.Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))))
            try:
                results[name] = default_run_steps_per_sec(driver, url)
            finally:
                driver.close()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engines", nargs="*", default=["chromium", "firefox", "webkit"])
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args()
    build = load_build_module()
    build.build()
    server = build.serve(build.DIST)
    url = build.url(server)
    try:
        arms = bench_arms(url, args.repeat)
        engines = bench_engines(url, args.engines)
    finally:
        server.shutdown()
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {os.cpu_count()} cores")
    print("three-arm experiment (context), Run pressed to outcome shown:")
    for workers in WORKERS:
        ratio = f" = {arms['ratio'][str(workers)]:.2f}x one worker (goal <= 0.6x)" if workers > 1 else ""
        print(f"  ?workers={workers}: {', '.join(f'{s:.1f}' for s in arms['seconds'][str(workers)])} s{ratio}")
    for workers in WORKERS:
        cpu = arms["cpu_s"][str(workers)]
        floor = f"; on {os.cpu_count()} cores at least {arms['cpu_floor'][str(workers)]:.2f}x" if workers > 1 else ""
        print(f"  ?workers={workers}: Chromium's CPU time {', '.join(f'{s:.1f}' for s in cpu)} s"
              f" = {statistics.median(cpu) / statistics.median(arms['seconds'][str(workers)]):.2f} cores busy{floor}")
    print(f"  losses equal bit for bit: {arms['equal_losses']}")
    peaks = {k: round(v) for k, v in arms['peak_pss_mb'].items()}
    print(f"  peak PSS of Chromium (workers: MB): {peaks}; per extra worker: {arms['extra_mb_per_worker']:.0f} MB;"
          f" measureUserAgentSpecificMemory available: {arms['measureUserAgentSpecificMemory']}")
    print("default 1000-step run, steps/s (first step to done):")
    for name, value in engines.items():
        print(f"  {name:9} {value if isinstance(value, str) else f'{value:.1f}'}")
    if args.json:
        args.json.write_text(json.dumps({"arms": arms, "engines": engines, "load": load}, indent=2))


if __name__ == "__main__":
    main()
