"""Fixtures for the end-to-end tests: build `dist/` once, serve it on 127.0.0.1, launch Chromium (the system's, else
Playwright's own: see tests/chromium.py), and give tests a loaded page (with its console errors and every request it
made recorded) plus a small driver for it."""

import fcntl
import pathlib

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

    def open(self):
        self.page.goto(self.base_url)
        self.wait_phase("idle", timeout=READY_TIMEOUT_MS)
        self.wait_checked()

    def state(self, expression):
        return self.page.evaluate(f"window.__microgpt.{expression}")

    def wait_phase(self, *phases, timeout=60_000):
        self.page.wait_for_function("phases => window.__microgpt && phases.includes(window.__microgpt.phase)",
                                    arg=list(phases), timeout=timeout)

    def wait_checked(self):
        """Wait until Python has answered the latest settings check and data preview."""
        self.page.wait_for_function("window.__microgpt.idle", timeout=30_000)

    def set_setting(self, name, value):
        if not self.page.is_visible(f"#setting-{name}"):
            self.page.click("summary:has-text('All settings')")
        self.page.fill(f"#setting-{name}", str(value))
        self.wait_checked()

    def use_text(self, text):
        self.page.click('label:has(input[name="source"][value="text"])')
        self.page.fill("#paste-text", text)
        self.wait_checked()

    def use_builtin(self):
        self.page.click('label:has(input[name="source"][value="builtin"])')
        self.wait_checked()

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
def new_driver(browser, site):
    """Make drivers for new pages, each in its own browser context and not yet opened (default URL: the site)."""
    contexts = []

    def make(base_url=site, bypass_csp=True, viewport=(1280, 800), color_scheme="light"):
        contexts.append(browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                            bypass_csp=bypass_csp, color_scheme=color_scheme))
        return PageDriver(contexts[-1].new_page(), base_url)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_tab(browser, site):
    """Make drivers for tabs of one browser: pages in one shared context (one IndexedDB, one BroadcastChannel), each
    not yet opened (default URL: the site)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})

    def make(base_url=site):
        return PageDriver(context.new_page(), base_url)

    yield make
    context.close()


@pytest.fixture(scope="module")
def driver(browser, site):
    """One page per test module: Pyodide takes seconds to start, so tests in a module share it (each resets first)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    driver = PageDriver(page, site)
    driver.open()
    yield driver
    context.close()
