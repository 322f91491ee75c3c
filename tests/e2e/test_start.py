"""Start-up: whatever stops the page from starting is said in the page, naming it. A runtime file that does not
download is named, tried again after 1, 2 and 4 s, then offered to Retry. A browser language Intl rejects
("C", a machine without a locale) is read as "en" and the page works; an uncaught error or a script that does not
load during start-up is shown in the banner, never left at "Loading…". A frame sandboxed without allow-same-origin,
where the browser lets the page start no worker, says so and what the embedding page must allow."""

import functools
import threading

import pytest

from tests.e2e.conftest import PageDriver
from tests.e2e.test_snapshot import ENTRIES, snapshot_url, wait_stored

# navigator.language as a machine without a locale reports it (WebKit passes LANG=C through): Intl rejects "C".
LANGUAGE_C = """
Object.defineProperty(Navigator.prototype, "language", { get: () => "C", configurable: true });
Object.defineProperty(Navigator.prototype, "languages", { get: () => ["C"], configurable: true });
"""


def test_a_language_intl_rejects_is_read_as_english_and_the_page_trains(new_driver, site):
    driver = new_driver(site + "#n_embd=8&n_head=2&num_steps=20")
    driver.page.add_init_script(LANGUAGE_C)
    driver.open()
    assert driver.page.evaluate("navigator.language") == "en"
    driver.train()
    assert len(driver.state("losses")) == 20
    assert driver.state("chart")["points"] == 20
    assert driver.page.is_hidden("#banner")
    assert driver.console_errors == []


@pytest.mark.parametrize("failure", ["a module throws", "app.js does not load"])
def test_an_uncaught_start_up_error_is_named_in_the_banner(new_driver, failure):
    driver = new_driver()
    page = driver.page
    if failure == "a module throws":
        page.route("**/vendor/uPlot.esm.js", lambda route: route.fulfill(
            content_type="text/javascript", body='throw new Error("injected start-up failure");\nexport default null;'))
        named = "Error: injected start-up failure (uPlot.esm.js, line 1)"
    else:
        page.route("**/app.js", lambda route: route.abort())
        named = "app.js did not load"
    page.goto(driver.base_url)
    page.wait_for_selector("#banner:visible", timeout=30_000)
    assert page.text_content("#banner") == (f"The page could not start: {named}. Reloading may help; if it does not, "
                                            "this browser cannot run the page as it is.")
    assert page.text_content("#status") == "Could not start"


def wait_for_retry(page, timeout_ms=60_000):
    """Wait until the page has stopped trying by itself and offers Retry; returns what the loading card says."""
    page.wait_for_selector("#loading-retry:visible", timeout=timeout_ms)
    return page.text_content("#loading-error")


@pytest.mark.parametrize("blocked, pattern", [("pyodide/pyodide.mjs", "**/pyodide/**"),
                                              ("pyodide/pyodide.asm.wasm", "**/pyodide.asm.wasm")])
def test_a_runtime_that_does_not_download_is_named_tried_four_times_then_retry_starts_it(new_driver, blocked, pattern):
    driver = new_driver()
    page = driver.page
    tries = []
    page.context.route(pattern, lambda route: (tries.append(route.request.url), route.abort()))
    page.goto(driver.base_url)
    page.wait_for_selector("#loading-error:visible", timeout=60_000)
    assert page.text_content("#loading-error").startswith(
        f"Python could not start: {blocked} did not download (network error). Trying again")
    assert wait_for_retry(page) == (f"Python could not start: {blocked} did not download (network error). "
                                    "Tried 4 times. Check the connection, then press Retry.")
    assert len({url for url in tries if url.endswith(blocked.split("/")[-1])}) == 1
    assert len([url for url in tries if url.endswith(blocked.split("/")[-1])]) == 4, "one try, then three more"
    assert page.text_content("#status") == "Python did not start"
    assert page.is_disabled("#train")
    page.wait_for_timeout(3000)
    assert len([url for url in tries if url.endswith(blocked.split("/")[-1])]) == 4, "no try after giving up"

    page.context.unroute(pattern)
    page.click("#loading-retry")
    assert page.is_hidden("#loading-error")
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert page.is_hidden("#loading") and page.is_enabled("#train")
    assert page.text_content("#status") == "Ready"
    driver.set_setting("num_steps", 5)
    driver.train()
    assert len(driver.state("losses")) == 5


def test_going_offline_after_the_page_loads_is_named_and_retry_starts_python_back_online(new_driver):
    driver = new_driver(first_visit=True)       # a first visit: nothing of Python is in this browser yet
    page = driver.page
    page.goto(driver.base_url, wait_until="domcontentloaded")
    page.context.set_offline(True)
    message = wait_for_retry(page)
    assert message.startswith("Python could not start: ") and " did not download" in message, message
    assert message.endswith("Tried 4 times. Check the connection, then press Retry."), message
    page.context.set_offline(False)
    page.click("#loading-retry")
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert page.is_enabled("#train")


def test_a_repeat_visit_whose_runtime_does_not_download_keeps_its_snapshot_and_retry_starts_from_it(browser, site,
                                                                                                   builder):
    # No service worker, so that the second visit asks the network for the runtime (the service worker's copy would
    # rightly serve it offline); Playwright's routing keeps the HTTP cache out of it.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    try:
        driver = PageDriver(context.new_page(), site)
        driver.open()
        stored = snapshot_url(builder, driver)
        wait_stored(driver, stored)
        context.route("**/pyodide.asm.wasm", lambda route: route.abort())
        driver.page.reload()
        assert wait_for_retry(driver.page) == ("Python could not start: pyodide/pyodide.asm.wasm did not download "
                                               "(network error). Tried 4 times. Check the connection, then press Retry.")
        assert driver.page.evaluate(ENTRIES) == [stored], "a runtime that did not download is not the snapshot's fault"
        context.unroute("**/pyodide.asm.wasm")
        driver.page.click("#loading-retry")
        driver.wait_phase("idle", timeout=90_000)
        assert driver.state("startup")["from"] == "snapshot"
    finally:
        context.close()


@pytest.fixture
def sandboxed_post(builder, site, tmp_path):
    """A host page on another origin that embeds the widget in <iframe sandbox="allow-scripts">. cors: the site is served
    with Access-Control-Allow-Origin: * (as GitHub Pages serves it), so that the frame, which has no origin, can load
    the page's module scripts; without it they do not load there."""
    servers = []

    class CorsHandler(builder._Handler):
        def end_headers(self):
            self.send_header("Access-Control-Allow-Origin", "*")
            super().end_headers()

    def make(cors):
        base = site
        if cors:
            servers.append(builder._Server(("127.0.0.1", 0), functools.partial(CorsHandler, directory=str(builder.DIST))))
            threading.Thread(target=servers[-1].serve_forever, daemon=True).start()
            base = builder.url(servers[-1])
        (tmp_path / "post.html").write_text(
            "<!doctype html><meta charset=utf-8><title>A blog post</title><link rel=icon href='data:,'>"
            f"<body style='margin:0'><iframe sandbox='allow-scripts' src='{base}index.html#embed&num_steps=30'"
            " width='700' height='820' style='border:0' title='microgpt'></iframe>")
        servers.append(builder.serve(tmp_path))
        return builder.url(servers[-1]) + "post.html"
    yield make
    for server in servers:
        server.shutdown()


@pytest.mark.parametrize("cors", [False, True], ids=["modules blocked", "modules load"])
def test_a_frame_sandboxed_without_same_origin_says_what_the_host_must_allow(browser, sandboxed_post, cors):
    context = browser.new_context(viewport={"width": 900, "height": 900})
    try:
        page = context.new_page()
        requests = []
        context.on("request", lambda request: requests.append(request.url))
        page.goto(sandboxed_post(cors))
        widget = page.main_frame.child_frames[0]
        widget.wait_for_selector("#banner:visible", timeout=30_000)
        if cors:
            widget.wait_for_selector("#embed-settings li", timeout=30_000)    # the app loaded and drew the widget
        assert widget.evaluate("window.origin") == "null"
        assert widget.text_content("#banner") == (
            "This widget cannot run in a frame sandboxed without allow-same-origin: such a frame has no origin, and "
            "the browser lets it start no Python worker. The page that embeds it must allow it: "
            '<iframe sandbox="allow-scripts allow-same-origin" …> (or no sandbox attribute).')
        assert widget.text_content("#status") == "Cannot run here"
        # Without its modules the page says this much from boot.js; with them, app.js says it too.
        reason = "Python cannot start in this frame: see why above." if cors else "Python cannot start: see why above."
        assert widget.text_content("#train-reason") == reason
        assert widget.is_disabled("#train")
        assert not [url for url in requests if "worker.js" in url or "/pyodide/" in url]
    finally:
        context.close()
