"""Benchmark of the built page, side by side in one run (not a test: it reports, it does not assert).

1. Page ready time vs loading bare Pyodide alone (same files, same server, module worker, cold browser cache each
   time; median of --repeat runs). Goal: page <= 1.3x bare.
2. The default 1000-step training in the page (Train pressed to done) vs the same run (same config, same engine,
   built-in data) in this CPython through `microgpt.session.Session`; medians of --repeat runs each.
   Goal: Pyodide <= 2.5x native.
3. Main-thread long tasks (> 50 ms, PerformanceObserver "longtask") while the page trains. Goal: none.
4. Training with the "Look inside" section open: the diagram of a followed name with every stage open (its numbers,
   and the next-character bars, attention maps and embedding map in their stages) on screen, updating as training
   runs, vs the same run with the section closed (not shown, so nothing asks): steps/s side by side (runs
   interleaved, medians), and long tasks while it is open. Goal: open >= 0.9x closed, no long task.

    python -m bench.page_bench [--repeat 3] [--steps 1000] [--engine fast] [--json out.json] [--views-only]
"""

import argparse
import json
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

from playwright.sync_api import sync_playwright

from microgpt.session import Session
from tests.chromium import launch_options   # the Chromium the e2e tests drive
from tests.site import load_build_module

ROOT = pathlib.Path(__file__).resolve().parents[1]


# Bare Pyodide, loaded the way our worker loads it, timed from navigation start like the page's own ready time.
BARE_HTML = """<!doctype html><meta charset="utf-8"><title>bare pyodide</title>
<script type="module">
  const worker = new Worker(new URL("./bare-worker.js", import.meta.url), { type: "module" });
  worker.onmessage = () => { window.__bareReady = performance.now(); };
</script>"""
BARE_WORKER = """import { loadPyodide } from "./pyodide/pyodide.mjs";
await loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href });
self.postMessage("ready");"""

LONG_TASKS = """window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
}).observe({ type: "longtask", buffered: true });"""


def bench_site(dist):
    """dist/ plus the bare-Pyodide page, in a temporary folder of symlinks (dist/ itself stays as built)."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="microgpt-bench-"))
    for entry in dist.iterdir():
        (folder / entry.name).symlink_to(entry)
    (folder / "bare.html").write_text(BARE_HTML)
    (folder / "bare-worker.js").write_text(BARE_WORKER)
    return folder


def time_ready(browser, url, expression):
    context = browser.new_context(bypass_csp=True)  # both pages alike; the waits use eval, which the page forbids
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(f"Boolean({expression})", timeout=120_000)
    milliseconds = page.evaluate(expression)
    context.close()
    return milliseconds / 1000


def open_page_to_train(browser, url, steps, engine, height):
    """A fresh 1280px-wide page (no cache), recording its long tasks, with Python ready and the settings for a run of
    `steps` steps on `engine` filled in; Train is not pressed yet. Returns (context, page): close the context."""
    context = browser.new_context(viewport={"width": 1280, "height": height}, bypass_csp=True)  # waits use eval
    context.add_init_script(LONG_TASKS)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.__microgpt && window.__microgpt.phase === 'idle' && window.__microgpt.idle",
                           timeout=120_000)
    page.fill("#setting-num_steps", str(steps))
    page.click("summary:has-text('All settings')")          # the engine is not a teaching slider
    page.select_option("#setting-engine", engine)
    return context, page


def train_until_done(page, look_at=None):
    """Press Train once the settings are checked and wait for the run's end: the page's timings, and the long tasks
    between training's start and end. look_at: an element id the window scrolls to once Train is pressed."""
    page.wait_for_function("window.__microgpt.idle && !document.getElementById('train').disabled")
    page.click("#train")
    if look_at:
        page.evaluate("id => document.getElementById(id).scrollIntoView()", look_at)
    page.wait_for_function("window.__microgpt.phase === 'done'", timeout=3_600_000, polling=200)
    timings = page.evaluate("window.__microgpt.timings")
    tasks = [task for task in page.evaluate("window.__longTasks")
             if timings["trainStart"] <= task["start"] <= timings["trainEnd"]]
    return timings, tasks


def time_page_training(browser, url, steps, engine):
    context, page = open_page_to_train(browser, url, steps, engine, height=800)
    timings, tasks = train_until_done(page)
    config = page.evaluate("window.__microgpt.summary.config")
    losses = page.evaluate("window.__microgpt.losses")
    context.close()
    return (timings["trainEnd"] - timings["trainStart"]) / 1000, timings["python"], config, losses, tasks


def time_views_training(browser, url, steps, engine, views_open, window="tall"):
    """Steps/s of one run with the Look inside section open or closed; the long tasks while it trained; and how many
    replies each view drew and the main-thread ms spent drawing them. Open: a name followed at a position, every
    stage of the diagram open (the diagram is built by the first trace, early in the run). Closed: the section is not
    shown, so nothing in it asks. window "tall": as tall as the page, so every open stage is on screen and updates
    (and each frame paints far more than on a laptop); "laptop": 1280 x 800, scrolled to the section."""
    context, page = open_page_to_train(browser, url, steps, engine, height=4000 if window == "tall" else 800)
    page.fill("#trace-name", "emma")
    page.evaluate("open => { document.getElementById('insight').hidden = !open; }", views_open)
    if views_open:
        # Every stage opens as soon as the diagram is drawn (a stage's open state is kept across rebuilds).
        page.evaluate("""() => new MutationObserver(() => document.querySelectorAll("#diagram details").forEach(
            (details) => { if (!details.open) details.open = true; })).observe(document.getElementById("diagram"),
            { childList: true, subtree: true })""")
    if window == "tall":
        # The window grows to the whole page, so every open view is on screen (and so asks for updates); with the
        # diagram all open (drawn once the run starts) the page is about 12,000 px tall: the window is at least that.
        page.set_viewport_size({"width": 1280,
                                "height": max(14_000, page.evaluate("document.documentElement.scrollHeight"))})
    timings, tasks = train_until_done(page, look_at="insight" if window == "laptop" and views_open else None)
    drawn = page.evaluate("window.__microgpt.insight")
    context.close()
    return steps / ((timings["trainEnd"] - timings["trainStart"]) / 1000), tasks, drawn


def time_native_training(config):
    """The page's run in this CPython: configure + train in chunks, as the worker drives the same Session."""
    session = Session()
    start = time.perf_counter()
    session.handle("configure", json.dumps({"config": config, "data": {"source": "builtin"}}))
    losses = []
    while True:
        chunk = json.loads(session.handle("train", "{}"))     # the page's chunks: the Session's default budget
        losses += [event["loss"] for event in chunk["events"]]
        if chunk["done"]:
            return time.perf_counter() - start, losses


def views_only(args):
    """Part 4 alone: --repeat pairs of runs, section closed then open, interleaved."""
    builder = load_build_module()
    builder.build()
    folder = bench_site(builder.DIST)
    server = builder.serve(folder)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options())
            closed, opened = [], []
            for _ in range(args.repeat):
                closed.append(time_views_training(browser, builder.url(server), args.steps, args.engine, False,
                                                  args.window))
                opened.append(time_views_training(browser, builder.url(server), args.steps, args.engine, True,
                                                  args.window))
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(folder)
    results = {"steps": args.steps, "engine": args.engine, "runs": args.repeat, "window": args.window,
               "closed_steps_per_s": [run[0] for run in closed], "open_steps_per_s": [run[0] for run in opened],
               "long_tasks_closed": sum(len(run[1]) for run in closed),
               "long_tasks_open": sum(len(run[1]) for run in opened),
               "longest_tasks_open_ms": sorted((task["duration"] for run in opened for task in run[1]), reverse=True)[:5],
               "longest_tasks_closed_ms": sorted((task["duration"] for run in closed for task in run[1]), reverse=True)[:5],
               "view_updates_per_run": opened[0][2]}
    results["ratio"] = statistics.median(results["open_steps_per_s"]) / statistics.median(results["closed_steps_per_s"])
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3,
                        help="cold loads of each page, and training runs of each side (medians reported)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--engine", default="fast", choices=["fast", "scalar"])
    parser.add_argument("--json", type=pathlib.Path, help="also write the numbers here")
    parser.add_argument("--views-only", action="store_true", help="only part 4: the Look inside section open vs closed")
    parser.add_argument("--window", default="tall", choices=["tall", "laptop"],
                        help="with --views-only: a window as tall as the page, or 1280 x 800 scrolled to the section")
    args = parser.parse_args()
    if args.views_only:
        return views_only(args)

    builder = load_build_module()
    builder.build()
    folder = bench_site(builder.DIST)
    server = builder.serve(folder)
    base = builder.url(server)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options())
            bare, page = [], []
            for _ in range(args.repeat):    # interleaved, so both see the same machine load
                bare.append(time_ready(browser, base + "bare.html", "window.__bareReady"))
                page.append(time_ready(browser, base, "window.__microgpt && window.__microgpt.timings.ready"))
            runs = [time_page_training(browser, base, args.steps, args.engine) for _ in range(args.repeat)]
            closed, opened = [], []
            for _ in range(args.repeat):    # interleaved, so both see the same machine load
                closed.append(time_views_training(browser, base, args.steps, args.engine, False))
                opened.append(time_views_training(browser, base, args.steps, args.engine, True))
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(folder)
    page_train = statistics.median(run[0] for run in runs)
    page_python = statistics.median(run[1] for run in runs)
    config, page_losses = runs[0][2], runs[0][3]
    tasks = [task for run in runs for task in run[4]]
    natives = [time_native_training(config) for _ in range(args.repeat)]
    native_train, native_losses = statistics.median(run[0] for run in natives), natives[0][1]
    same = len(page_losses) == len(native_losses) and all(
        abs(a - b) <= 1e-9 * abs(b) for a, b in zip(page_losses, native_losses))

    results = {
        "bare_pyodide_ready_s": statistics.median(bare), "page_ready_s": statistics.median(page),
        "ready_ratio": statistics.median(page) / statistics.median(bare),
        "steps": args.steps, "engine": args.engine,
        "page_train_s": page_train, "page_train_python_s": page_python, "native_train_s": native_train, "train_ratio": page_train / native_train,
        "losses_equal_1e-9": same,
        "long_tasks_during_training": len(tasks), "training_runs": args.repeat,
        "longest_task_ms": max((task["duration"] for task in tasks), default=0),
        "python": sys.version.split()[0],
        "views_closed_steps_per_s": statistics.median(run[0] for run in closed),
        "views_open_steps_per_s": statistics.median(run[0] for run in opened),
        "long_tasks_views_closed": sum(len(run[1]) for run in closed),
        "long_tasks_views_open": sum(len(run[1]) for run in opened),
        "longest_task_views_open_ms": max((task["duration"] for run in opened for task in run[1]), default=0),
        "view_updates_per_run": opened[0][2],
    }
    results["views_ratio"] = results["views_open_steps_per_s"] / results["views_closed_steps_per_s"]
    print(f"{'':34}{'value':>10}  goal")
    print(f"{'bare Pyodide ready (median)':34}{results['bare_pyodide_ready_s']:>9.2f}s")
    print(f"{'page ready (median)':34}{results['page_ready_s']:>9.2f}s")
    print(f"{'  ratio':34}{results['ready_ratio']:>9.2f}x  <= 1.3x")
    print(f"{f'native CPython {args.steps} steps ({args.engine})':34}{native_train:>9.2f}s")
    print(f"{f'page (Pyodide) {args.steps} steps ({args.engine})':34}{page_train:>9.2f}s")
    print(f"{'  of which in Python (train chunks)':34}{page_python:>9.2f}s")
    print(f"{'  ratio':34}{results['train_ratio']:>9.2f}x  <= 2.5x")
    print(f"{'losses equal to 1e-9':34}{str(same):>10}")
    print(f"{'long tasks > 50 ms while training':34}{len(tasks):>10}  none (all {args.repeat} runs)"
          + (f" (longest {results['longest_task_ms']:.0f} ms)" if tasks else ""))
    print(f"{'steps/s, views closed (median)':34}{results['views_closed_steps_per_s']:>10.1f}")
    print(f"{'steps/s, views open (median)':34}{results['views_open_steps_per_s']:>10.1f}")
    print(f"{'  ratio':34}{results['views_ratio']:>9.2f}x  >= 0.9x")
    print(f"{'long tasks > 50 ms, views closed':34}{results['long_tasks_views_closed']:>10}")
    print(f"{'long tasks > 50 ms, views open':34}{results['long_tasks_views_open']:>10}  none (all {args.repeat} runs)"
          + (f" (longest {results['longest_task_views_open_ms']:.0f} ms)" if results['long_tasks_views_open'] else ""))
    print(f"{'  view updates in one open run':34}  {json.dumps(results['view_updates_per_run'])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
