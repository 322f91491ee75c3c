"""Start-up: whatever stops the page from starting is said in the page, naming it. A browser language Intl rejects
("C", a machine without a locale) is read as "en" and the page works; an uncaught error or a script that does not
load during start-up is shown in the banner, never left at "Loading…"."""

import pytest

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
