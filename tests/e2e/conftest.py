"""Fixtures for the end-to-end tests: build `dist/` once, serve it on 127.0.0.1, launch Chromium (the system's, else
Playwright's own: see tests/chromium.py), and give tests a loaded page (with its console errors and every request it
made recorded) plus a small driver for it.

Starting Python in Pyodide is the slowest part of opening the page (seconds; much more when the machine is busy). A
first visit starts it and stores a memory snapshot of it (web/python/snapshot-control.js), and a repeat visit restores
that instead. Playwright's browser contexts start with empty storage, so every context would pay for a first visit:
here, each test process makes the snapshot once, with one first visit, and every new context starts with it stored,
as a repeat visitor's browser has it. Tests about a first visit ask for one (`first_visit=True`)."""

import fcntl
import hashlib
import http.server
import pathlib
import threading
import time
from urllib.parse import urljoin

import pytest

from tests.chromium import launch_options

ROOT = pathlib.Path(__file__).resolve().parents[2]
READY_TIMEOUT_MS = 90_000


def pytest_collection_modifyitems(items):
    here = pathlib.Path(__file__).parent
    for item in items:
        if here in pathlib.Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def builder(builder):
    """build.py, with dist/ built. pytest-xdist's workers are processes that each ask for it: the first builds while
    the others wait on a lock (taken on build.py itself, so no lock file is left behind), then find dist/ ready."""
    with open(builder.ROOT / "build.py") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        builder.build()
    return builder


@pytest.fixture(scope="session")
def site(builder):
    """The built site, served from a thread of this process; yields its base URL."""
    server = builder.serve(builder.DIST)
    yield builder.url(server)
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, **launch_options()}


@pytest.fixture(scope="session")
def browser(browser):
    """Contexts bypass the page's Content-Security-Policy unless a test asks otherwise (bypass_csp=False): Playwright
    evaluates wait_for_function's predicates with eval, which that policy rightly forbids.
    tests/e2e/test_reliability_page.py checks the policy itself in contexts that keep it, waiting with page.evaluate
    (not subject to it)."""
    new_context = browser.new_context

    def new_context_bypassing_csp(**options):
        return new_context(**{"bypass_csp": True, **options})
    browser.new_context = new_context_bypassing_csp
    return browser


SNAPSHOT_CACHE = "microgpt-snapshot"       # web/python/snapshot-control.js
# Send the stored snapshot (the only entry) to `target`; its URL and x-sha256 header, or null while there is none.
SEND_SNAPSHOT = f"""async (target) => {{
  const cache = await caches.open('{SNAPSHOT_CACHE}');
  const [request] = await cache.keys();
  if (!request) return null;
  const response = await cache.match(request);
  await fetch(target, {{ method: 'POST', mode: 'no-cors', body: await response.blob() }});
  return [request.url, response.headers.get('x-sha256')];
}}"""
# Store the bytes fetched from `source` as the snapshot entry `url`, with the checksum the worker checks.
STORE_SNAPSHOT = f"""async ([source, url, sha]) => {{
  const bytes = await (await fetch(source)).arrayBuffer();
  const cache = await caches.open('{SNAPSHOT_CACHE}');
  await cache.put(url, new Response(bytes, {{ headers: {{ 'content-type': 'application/octet-stream', 'x-sha256': sha }} }}));
}}"""


class SnapshotServer(http.server.ThreadingHTTPServer):
    """Holds the snapshot's bytes for the test process: a POST gives them, a GET (from any origin) returns them. Over
    HTTP on 127.0.0.1 the 31 MB move in a fraction of a second, where Playwright's own channel takes far longer."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.server.bytes = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(self.server.bytes)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(self.server.bytes)

        def log_message(self, format, *args):
            pass

    def __init__(self):
        super().__init__(("127.0.0.1", 0), self.Handler)
        self.bytes = b""
        self.url = f"http://127.0.0.1:{self.server_address[1]}/snapshot"
        threading.Thread(target=self.serve_forever, daemon=True, name="snapshot-server").start()


class PythonSnapshot:
    """This build's memory snapshot of Python, made by one first visit (the first time a context asks for it) and
    stored in any new context before its page opens."""

    def __init__(self, browser, site, dist):
        self.browser, self.site = browser, site
        self.key = hashlib.sha256((dist / "manifest.json").read_bytes()).hexdigest()
        self.server = SnapshotServer()
        self.sha256 = None

    def make(self):
        context = self.browser.new_context()
        try:
            driver = PageDriver(context.new_page(), self.site)
            driver.open()
            deadline = time.monotonic() + 120
            while not (entry := driver.page.evaluate(SEND_SNAPSHOT, self.server.url)):     # stored after `ready`
                assert time.monotonic() < deadline, "the first visit stored no memory snapshot"
                time.sleep(0.2)
            url, sha = entry
            assert url == f"{self.site}snapshot/{self.key}", url
            assert hashlib.sha256(self.server.bytes).hexdigest() == sha
            self.sha256 = sha
        finally:
            context.close()

    def give(self, context, base_url):
        """Store the snapshot in `context` for the page at `base_url` (serving this build), as a repeat visit has it:
        from a document of that origin that runs nothing of the page's (its manifest.json), closed afterwards."""
        if self.sha256 is None:
            self.make()
        page = context.new_page()
        try:
            page.goto(base_url + "manifest.json")
            page.evaluate(STORE_SNAPSHOT, [self.server.url, f"{base_url}snapshot/{self.key}", self.sha256])
        finally:
            page.close()


@pytest.fixture(scope="session")
def python_snapshot(browser, site, builder):
    snapshot = PythonSnapshot(browser, site, builder.DIST)
    yield snapshot
    snapshot.server.shutdown()


@pytest.fixture
def new_context(browser, site, python_snapshot):
    """Make browser contexts (closed after the test) that start Python from its memory snapshot, unless
    `first_visit=True`; `base_url`: where the page they open is served (this build, by default the site)."""
    contexts = []

    def make(first_visit=False, base_url=site, **options):
        contexts.append(browser.new_context(**options))
        if not first_visit:
            python_snapshot.give(contexts[-1], base_url)
        return contexts[-1]

    yield make
    for context in contexts:
        context.close()


def wait_phase(frame, *phases, timeout=60_000):
    """Wait until the page in `frame` (a page, or the frame of an embedded widget) is in one of `phases`."""
    frame.wait_for_function("phases => window.__microgpt && phases.includes(window.__microgpt.phase)",
                            arg=list(phases), timeout=timeout)


class PageDriver:
    """A loaded page plus what it did: console errors, uncaught errors and the URL of every request."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.console_errors = []
        self.requests = []
        self.unload_warnings = 0
        page.on("dialog", self.answer_dialog)
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))
        # Requests made by the worker are reported by the context, not always by the page.
        page.context.on("request", lambda request: self.requests.append(request.url))

    def answer_dialog(self, dialog):
        """A test that leaves a training page means to: the browser's "Leave site?" is counted and accepted (Playwright
        would dismiss it, and the navigation would never happen). The page opens no other dialog."""
        if dialog.type == "beforeunload":
            self.unload_warnings += 1
            dialog.accept()
        else:
            dialog.dismiss()

    def open(self, url=None):
        """Open the page (at `url`, by default the base URL) and wait until Python is ready and has checked it."""
        self.page.goto(url or self.base_url)
        self.wait_phase("idle", timeout=READY_TIMEOUT_MS)
        self.wait_checked()

    def state(self, expression):
        return self.page.evaluate(f"window.__microgpt.{expression}")

    def wait_phase(self, *phases, timeout=60_000):
        wait_phase(self.page, *phases, timeout=timeout)

    def wait_checked(self):
        """Wait until Python has answered the latest settings check and data preview."""
        self.page.wait_for_function("window.__microgpt.idle", timeout=30_000)

    def set_setting(self, name, value):
        if not self.page.is_visible(f"#setting-{name}"):
            self.page.click("summary:has-text('All settings')")
        if self.page.eval_on_selector(f"#setting-{name}", "field => field.tagName") == "SELECT":
            self.page.select_option(f"#setting-{name}", str(value))
        else:
            self.page.fill(f"#setting-{name}", str(value))
        self.wait_checked()

    def use_text(self, text):
        self.page.click('label:has(input[name="source"][value="text"])')
        self.page.fill("#paste-text", text)
        self.wait_checked()

    def use_builtin(self):
        self.page.click('label:has(input[name="source"][value="builtin"])')
        self.wait_checked()

    def settings(self):
        """The settings form's fields (text and choice) by name, as shown."""
        return self.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
          'input[type=text][id^="setting-"], select[id^="setting-"]')].map((field) => [field.name, field.value]))""")

    def restore(self, settings):
        """Put the built-in data and `settings` (from `settings()`) back where they differ."""
        if not self.page.is_checked('input[name="source"][value="builtin"]'):
            self.use_builtin()
        for name, value in self.settings().items():
            if value != settings[name]:
                self.set_setting(name, settings[name])

    def reset(self):
        if self.page.is_enabled("#reset"):
            self.page.click("#reset")
        self.wait_phase("idle")
        self.wait_checked()

    def train(self, wait_for="done", timeout=120_000):
        self.page.click("#train")
        if wait_for:
            self.wait_phase(wait_for, timeout=timeout)

    def wait_step(self, at_least, timeout=60_000):
        self.page.wait_for_function("n => window.__microgpt.events.length >= n", arg=at_least, timeout=timeout)

    def generate(self):
        before = self.state("sampleCount")
        self.page.click("#generate")
        self.page.wait_for_function("n => window.__microgpt.sampleCount > n", arg=before, timeout=30_000)
        return self.state("samples")

    def foreign_requests(self):
        return sorted({url for url in self.requests if not url.startswith(self.base_url)
                       and not url.startswith(("data:", "blob:"))})


@pytest.fixture
def new_driver(new_context, site):
    """Make drivers for new pages, each in its own browser context (with the snapshot unless `first_visit=True`) and
    not yet opened (default URL: the site)."""
    def make(base_url=site, bypass_csp=True, viewport=(1280, 800), color_scheme="light", first_visit=False):
        context = new_context(first_visit=first_visit, base_url=urljoin(base_url, "."),
                              viewport={"width": viewport[0], "height": viewport[1]}, bypass_csp=bypass_csp,
                              color_scheme=color_scheme)
        return PageDriver(context.new_page(), base_url)
    return make


@pytest.fixture
def new_tab(new_context, site):
    """Make drivers for tabs of one browser: pages in one shared context (one IndexedDB, one BroadcastChannel, the
    snapshot), each not yet opened (default URL: the site)."""
    context = new_context(viewport={"width": 1280, "height": 800})

    def make(base_url=site):
        return PageDriver(context.new_page(), base_url)
    return make


@pytest.fixture(scope="module")
def module_page(browser, site, python_snapshot):
    """One page per test module (Python started from its snapshot), shared by the module's tests through `driver`.
    Its console errors and requests add up over the module: a module's last test may check them for all."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    python_snapshot.give(context, site)
    page = context.new_page()
    page.set_default_timeout(30_000)
    driver = PageDriver(page, site)
    driver.open()
    driver.defaults = driver.settings()
    yield driver
    context.close()


@pytest.fixture
def driver(module_page):
    """The module's page as a test of its own would find it: at the desktop size, no model and no run in progress
    (the page's Reset), the built-in data and the default settings, Python idle and the settings checked."""
    module_page.page.set_viewport_size({"width": 1280, "height": 800})
    module_page.reset()
    module_page.restore(module_page.defaults)
    module_page.wait_checked()
    return module_page
