"""Soak benchmark (not a test: it reports, it does not assert): a long run in the CLI and in the page, with memory and
steps/s sampled over time. Flat is the goal: a leak shows as memory that climbs with the step, a slowdown as steps/s
that falls.

- CLI: `python -m microgpt train --num-steps N --eval-every 0 --log …` in a subprocess; memory is the process's
  resident set (VmRSS), steps come from the log (one line per step, flushed).
- Page: the built page in Chromium, Train pressed with num_steps N; memory is the resident set of the browser's
  processes (the page, its worker with Pyodide's WebAssembly memory, the browser), steps from window.__microgpt.

    python -m bench.soak [--steps 20000] [--every 10] [--max-minutes M] [--only cli|page] [--json out.json]

--max-minutes ends a run early (on a loaded machine 20,000 page steps can take an hour): the samples so far are kept.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

from playwright.sync_api import sync_playwright

from tests.site import load_build_module
from tests.chromium import launch_options   # the Chromium the e2e tests drive

ROOT = pathlib.Path(__file__).resolve().parents[1]


def rss_mb(pid):
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def descendants(pid):
    """pid and every process below it."""
    children = {}
    for status in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(status.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def sample(samples, started, step, memory):
    elapsed = time.monotonic() - started
    previous = samples[-1] if samples else {"seconds": 0.0, "step": 0}
    window = elapsed - previous["seconds"]
    samples.append({"seconds": round(elapsed, 1), "step": step, "memory_mb": round(memory, 1),
                    "steps_per_sec": round((step - previous["step"]) / window, 1) if window > 0 else None})
    print(f"  {elapsed:7.1f} s  step {step:6d}  {memory:8.1f} MB  {samples[-1]['steps_per_sec']} steps/s", flush=True)


def soak_cli(steps, every, max_seconds):
    log = pathlib.Path(tempfile.mkdtemp(prefix="microgpt-soak-")) / "log.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "microgpt", "train", "--num-steps", str(steps), "--eval-every",
                                "0", "--num-samples", "1", "--quiet", "--log", str(log)], cwd=ROOT,
                               stdout=subprocess.DEVNULL)
    started, samples = time.monotonic(), []
    while process.poll() is None:
        time.sleep(every)
        if time.monotonic() - started > max_seconds:
            process.terminate()
            break
        done = sum(1 for _ in open(log)) if log.exists() else 0
        memory = rss_mb(process.pid)
        if memory:              # 0: the process ended during the wait
            sample(samples, started, done, memory)
    return samples


def soak_page(steps, every, max_seconds):
    builder = load_build_module()
    builder.build()
    server = builder.serve(builder.DIST)
    samples = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options())
            context = browser.new_context(bypass_csp=True)     # waits use eval, which the page's policy forbids
            page = context.new_page()
            page.goto(builder.url(server) + f"#num_steps={steps}&eval_every=0")
            page.wait_for_function("window.__microgpt && window.__microgpt.phase === 'idle' && window.__microgpt.idle"
                                   " && !document.getElementById('train').disabled", timeout=180_000)
            browser_pid = max(int(p.parent.name) for p in pathlib.Path("/proc").glob("[0-9]*/cmdline")
                              if _is_a_driven_browser(p))      # the newest: the one just launched
            page.click("#train")
            started = time.monotonic()
            while (page.evaluate("window.__microgpt.phase") != "done"
                   and time.monotonic() - started < max_seconds):
                page.wait_for_timeout(every * 1000)
                memory = sum(rss_mb(pid) for pid in descendants(browser_pid))
                sample(samples, started, page.evaluate("window.__microgpt.events.length"), memory)
            browser.close()
    finally:
        server.shutdown()
    return samples


def _is_a_driven_browser(cmdline):
    """A browser process Playwright started: a remote-debugging pipe and no --type (which its children have)."""
    try:
        args = cmdline.read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False
    return b"--remote-debugging-pipe" in args and not any(a.startswith(b"--type=") for a in args)


def summary(name, samples):
    """First vs last quarter of the run: memory and speed, so that drift reads as one ratio."""
    quarter = max(1, len(samples) // 4)
    first, last = samples[1:1 + quarter] or samples[:1], samples[-quarter:]
    mean = lambda rows, key: sum(row[key] for row in rows if row[key] is not None) / len(rows)  # noqa: E731
    return {"where": name, "steps": samples[-1]["step"], "seconds": samples[-1]["seconds"],
            "memory_first_mb": round(mean(first, "memory_mb"), 1), "memory_last_mb": round(mean(last, "memory_mb"), 1),
            "steps_per_sec_first": round(mean(first, "steps_per_sec"), 1),
            "steps_per_sec_last": round(mean(last, "steps_per_sec"), 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--every", type=float, default=10, help="seconds between samples")
    parser.add_argument("--only", choices=["cli", "page"])
    parser.add_argument("--max-minutes", type=float, default=float("inf"))
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    results = {}
    for name, soak in (("cli", soak_cli), ("page", soak_page)):
        if args.only in (None, name):
            print(f"{name}: {args.steps} steps", flush=True)
            samples = soak(args.steps, args.every, args.max_minutes * 60)
            results[name] = {"samples": samples, "summary": summary(name, samples)}
    print("\n| where | steps | seconds | memory, first quarter → last | steps/s, first quarter → last |")
    print("|---|---:|---:|---:|---:|")
    for result in results.values():
        s = result["summary"]
        print(f"| {s['where']} | {s['steps']:,} | {s['seconds']:.0f} | {s['memory_first_mb']:.0f} → "
              f"{s['memory_last_mb']:.0f} MB | {s['steps_per_sec_first']:.0f} → {s['steps_per_sec_last']:.0f} |")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
