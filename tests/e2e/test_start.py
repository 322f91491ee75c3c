"""Start-up: whatever stops the page from starting is said in the page, naming it. A runtime file that does not
download is named, tried again after 1, 2 and 4 s, then offered to Retry. A browser language Intl rejects
("C", a machine without a locale) is read as "en" and the page works; an uncaught error or a script that does not
load during start-up is shown in the banner, never left at "Loading…"."""

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
    driver = new_driver()
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
