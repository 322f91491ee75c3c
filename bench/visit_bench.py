"""Benchmark of first and repeat visits, side by side in one run (not a test: it reports, it does not assert).

For each network profile, --repeat times: a fresh browser profile visits the page (first visit: nothing cached), waits
until the service worker holds the deploy (web/python/offline-control.js), then opens the page again (repeat visit). The
same pair is timed with service workers blocked, so the browser's HTTP cache alone serves the repeat visit, for
comparison. Ready time = window.__microgpt.timings.ready (navigation start to Python ready); medians are reported. A
first visit also stores Python's memory snapshot (web/python/snapshot-control.js), from which the repeat visit starts
(which start each visit took is reported). The embed widget (#embed) loads Python only when Train is pressed: for it the
time from pressing Train to the first training step is measured the same way, first and repeat.

On localhost the network costs almost nothing, so a repeat visit saves only the download; most of the ready time is
Pyodide starting Python (~3 s here), which only the memory snapshot removes. A throttled profile (the server sends at --mbps with
--rtt-ms per request, one link shared by all connections) shows what a reader on a real connection gains.
Goal: repeat <= 0.5x first.

    python -m bench.visit_bench [--repeat 3] [--mbps 0 20] [--rtt-ms 40] [--json out.json]
"""

import argparse
import json
import pathlib
import shutil
import statistics
import tempfile
import threading
import time

from playwright.sync_api import sync_playwright

from tests.site import load_build_module
from tests.chromium import launch_options

ROOT = pathlib.Path(__file__).resolve().parents[1]
READY = "window.__microgpt && window.__microgpt.timings && window.__microgpt.timings.ready"
CACHED = "window.__microgptOffline && ['ready', 'failed', 'unavailable'].includes(window.__microgptOffline.state)"
SNAPSHOT_STORED = ("!self.caches || caches.open('microgpt-snapshot').then((cache) => cache.keys())"
                   ".then((keys) => keys.length > 0)")
FIRST_STEP = "window.__microgpt && window.__microgpt.timings && window.__microgpt.timings.firstStep"
CHUNK = 64 * 1024


class Link:
    """One shared link: bytes leave at `mbps` (0: unlimited) and each request waits one round trip first."""

    def __init__(self, mbps, rtt_ms):
        self.bytes_per_s = mbps * 1e6 / 8 if mbps else None
        self.rtt_s = rtt_ms / 1000 if mbps else 0.0
        self.lock = threading.Lock()
        self.free_at = 0.0          # when the link has sent everything queued so far
        self.sent = 0

    def send(self, size):
        """Block until `size` more bytes would have crossed the link."""
        with self.lock:
            self.sent += size
            if not self.bytes_per_s:
                return
            start = max(time.monotonic(), self.free_at)
            self.free_at = start + size / self.bytes_per_s
            done = self.free_at
        time.sleep(max(0.0, done - time.monotonic()))


def serve(builder, dist, link):
    """`dist` from build.py's server, with its handler slowed down by `link` (same headers, same MIME types)."""

    class Throttled(builder._Handler):
        def handle_one_request(self):
            time.sleep(link.rtt_s)
            super().handle_one_request()

        def copyfile(self, source, outputfile):
            while block := source.read(CHUNK):
                link.send(len(block))
                outputfile.write(block)

    server = builder.serve(dist)
    server.RequestHandlerClass = lambda *args: Throttled(*args, directory=str(dist))
    return server


def visit(context, url, link, wait_for_cache, embed=False):
    """Open the page in `context` (the embed: and press Train); returns (seconds to ready, or for the embed from Train to
    the first step; megabytes the server sent for it; how Python started)."""
    before = link.sent
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + ("#embed&num_steps=50" if embed else ""))
    if embed:
        page.wait_for_selector("#train:enabled", timeout=60_000)
        page.click("#train")
    done = FIRST_STEP if embed else READY
    try:
        page.wait_for_function(f"Boolean({done})", timeout=180_000, polling=50)
    except Exception:
        state = page.evaluate("[window.__microgpt && window.__microgpt.phase, window.__microgptOffline,"
                              " document.getElementById('status').textContent]")
        raise RuntimeError(f"the page did not get ready: {state}, errors: {errors}") from None
    seconds = page.evaluate(done) / 1000
    if embed:
        seconds -= page.evaluate("window.__microgpt.timings.trainPressed") / 1000
    sent = (link.sent - before) / 1e6
    startup = (page.evaluate("window.__microgpt.startup") or {}).get("from")
    # The worker stores the snapshot after `ready`; the next visit must find it. Polled from here: evaluate awaits the
    # promise, wait_for_function would take the promise itself as a truthy answer.
    deadline = time.monotonic() + 120
    while not page.evaluate(SNAPSHOT_STORED):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not store Python's snapshot")
        time.sleep(0.25)
    if wait_for_cache and not embed:
        page.wait_for_function(CACHED, timeout=300_000)
        status = page.evaluate("window.__microgptOffline")
        if status["state"] != "ready":
            raise RuntimeError(f"the service worker did not keep the deploy: {status}")
    page.close()
    return seconds, sent, startup


def first_and_repeat(browser, url, link, service_workers, embed=False):
    context = browser.new_context(service_workers=service_workers, bypass_csp=True)  # waits use eval
    try:
        first = visit(context, url, link, wait_for_cache=service_workers == "allow", embed=embed)
        repeat = visit(context, url, link, wait_for_cache=False, embed=embed)
    finally:
        context.close()
    return first, repeat


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="visit pairs per profile and mode (medians reported)")
    parser.add_argument("--mbps", type=float, nargs="+", default=[0, 20],
                        help="link speeds in Mbit/s, one profile each (0: localhost, unthrottled)")
    parser.add_argument("--rtt-ms", type=float, default=40, help="round trip per request on throttled profiles")
    parser.add_argument("--json", type=pathlib.Path, help="also write the numbers here")
    args = parser.parse_args()

    builder = load_build_module()
    builder.build()
    # A copy, so that a rebuild while the benchmark runs cannot change the files under it.
    dist = pathlib.Path(tempfile.mkdtemp(prefix="microgpt-visits-")) / "dist"
    shutil.copytree(builder.DIST, dist)
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options())
        for mbps in args.mbps:
            link = Link(mbps, args.rtt_ms)
            server = serve(builder, dist, link)
            url = builder.url(server)
            runs = {"allow": [], "block": [], "embed": []}
            try:
                for _ in range(args.repeat):     # modes take turns, so all see the same machine load
                    for mode in runs:
                        runs[mode].append(first_and_repeat(browser, url, link, "block" if mode == "block" else "allow",
                                                           embed=mode == "embed"))
            finally:
                server.shutdown()
                server.server_close()
            median = lambda mode, which, field: statistics.median(run[which][field] for run in runs[mode])  # noqa: E731
            row = {
                "network": f"{mbps:g} Mbit/s, {args.rtt_ms:g} ms RTT" if mbps else "localhost, unthrottled",
                "first_s": median("allow", 0, 0), "repeat_s": median("allow", 1, 0),
                "first_mb": median("allow", 0, 1), "repeat_mb": median("allow", 1, 1),
                "http_cache_first_s": median("block", 0, 0), "http_cache_repeat_s": median("block", 1, 0),
                "http_cache_repeat_mb": median("block", 1, 1),
                "embed_first_s": median("embed", 0, 0), "embed_repeat_s": median("embed", 1, 0),
                "starts": {mode: [[run[0][2], run[1][2]] for run in mode_runs] for mode, mode_runs in runs.items()},
            }
            row["ratio"] = row["repeat_s"] / row["first_s"]
            results.append(row)
        browser.close()
    shutil.rmtree(dist.parent)

    print(f"ready time, median of {args.repeat}   {'first':>7} {'repeat':>7} {'ratio':>6}  goal    "
          f"{'MB first/repeat':>15}   without service worker: first, repeat (HTTP cache)   embed Train->first step")
    for row in results:
        print(f"{row['network']:31}{row['first_s']:>7.2f}s{row['repeat_s']:>7.2f}s{row['ratio']:>6.2f}x  <=0.5x "
              f"{row['first_mb']:>8.1f} /{row['repeat_mb']:>5.2f}   "
              f"{row['http_cache_first_s']:.2f}s, {row['http_cache_repeat_s']:.2f}s ({row['http_cache_repeat_mb']:.2f} MB)"
              f"   {row['embed_first_s']:.2f}s, {row['embed_repeat_s']:.2f}s")
        print(f"  how Python started (first, repeat) per run: {row['starts']}")
    if args.json:
        args.json.write_text(json.dumps({"repeat": args.repeat, "profiles": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
