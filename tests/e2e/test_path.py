"""The page as one lesson: numbered steps in order (the same on a phone), a first screen that says where the reader
is, nothing that moves when Python is ready, the teaching sliders that set what a run uses (the default marked) and
follow what the page state writes, the cost said as a run's length, and a run that ends without scrolling the page."""

import json
import re
import urllib.request

import pytest

STEPS = ["1 Train it", "2 The names it makes", "3 Change one thing", "4 Look inside", "5 Read and change the code"]


def step_titles(page):
    """The h2 of every step, in the document's order, as seen (the number and the words), and each one's top."""
    return page.eval_on_selector_all(
        "h2.step-title", """titles => titles.map((title) => [
            title.querySelector('.step-number')?.textContent + ' ' + title.lastChild.textContent.trim(),
            title.getBoundingClientRect().top + scrollY, title.getBoundingClientRect().left])""")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_steps_are_numbered_h2s_in_order_and_the_first_screen_says_where_the_reader_is(new_driver, site, width):
    driver = new_driver(viewport=(width, 844))
    page = driver.page
    page.goto(site)
    titles = step_titles(page)
    assert [text for text, _, _ in titles[:5]] == STEPS
    tops = [top for _, top, _ in titles]
    assert tops == sorted(tops), "the steps read top to bottom"
    assert len({left for _, _, left in titles}) == 1, "one column of steps"
    assert page.eval_on_selector_all("h2.step-title", "ts => ts.map((t) => t.textContent)")[-1] == "Tools"
    # Screen readers hear "Step 1: Train it"; every card inside a step is headed one level down.
    assert page.get_by_role("heading", level=2, name="Step 1: Train it").count() == 1
    assert page.eval_on_selector_all(".step .card > h2", "hs => hs.length") == 0
    # What each part holds: Training and Samples in steps 1 and 2, runs and experiments in 3, the views in 4.
    inside = {step: page.eval_on_selector(f"#{step}", "s => [...s.querySelectorAll('[id]')].map((e) => e.id)")
              for step in ["step-train", "step-names", "step-change", "step-inside", "step-code", "tools"]}
    assert {"train", "pause", "chart", "loading"} <= set(inside["step-train"])
    assert {"generate", "samples", "setting-temperature"} <= set(inside["step-names"])
    assert {"settings", "runs", "experiments", "setting-block_size-slider"} <= set(inside["step-change"])
    assert {"insight", "microscope"} <= set(inside["step-inside"])
    assert "code" in inside["step-code"]
    assert {"data-controls", "model-download", "copy-link"} <= set(inside["tools"])

    # The first screen: what this is (linked), what one does here, and what the data is.
    head = page.locator(".masthead")
    assert head.locator("a[href='https://gist.github.com/karpathy/8627fe009c40f57531cb18360106ce95']").count() == 1
    assert head.locator("a[href='https://karpathy.github.io/2026/02/12/microgpt/']").count() == 1
    text = " ".join(head.text_content().split())
    builtin = json.loads(urllib.request.urlopen(f"{site}schema.json").read())["builtin"]
    assert f"{builtin['num_docs']:,} US census first names" in text and "names" in builtin["name"]
    assert "32,033" in text and "pasting that list" in text
    assert page.locator("#train").bounding_box()["y"] < 844, "Train is on the first screen"
    hash_before = page.evaluate("location.hash")
    page.click("#to-data")     # the heading lands at the window's top, to within the scroll's rounding
    page.wait_for_function("""(() => { const top = document.querySelector('#data-title').getBoundingClientRect().top;
        return scrollY > 0 && top > -1 && top < innerHeight / 2; })()""")
    assert page.evaluate("location.hash") == hash_before, "the settings in the hash are left alone"
    assert driver.console_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_nothing_moves_when_python_is_ready_and_the_empty_chart_shows_no_legend(new_driver, site, width):
    driver = new_driver(viewport=(width, 844))
    page = driver.page
    page.goto(site)
    page.wait_for_selector("#setting-temperature")      # the form is drawn from schema.json while Python loads
    assert driver.state("phase") == "loading"
    assert page.is_visible("#loading") and page.is_visible("#step-train-title")
    boxes = lambda: page.evaluate("""["#train", "#chart-frame", "#step-names-title", "#generate"].map(
        (selector) => document.querySelector(selector).getBoundingClientRect().top + scrollY)""")
    before = boxes()
    legend = "getComputedStyle(document.querySelector('#chart-frame .u-legend')).visibility"
    assert page.evaluate(legend) == "hidden"
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert page.is_hidden("#loading")
    page.wait_for_function("document.querySelector('#train-cost').textContent !== ''")
    assert boxes() == before, "the loading card leaves no gap: Train, the chart and what follows stay put"
    page.hover("#chart-frame")
    assert page.evaluate(legend) == "hidden", "no legend of blank values, even under the pointer"
    # A run: the chart has values, and its legend names them.
    driver.set_setting("num_steps", 20)
    driver.train()
    page.hover("#chart-frame")
    assert page.evaluate(legend) == "visible"
    assert driver.console_errors == []


def test_the_teaching_sliders_set_what_a_run_uses_and_mark_their_default(new_driver, site):
    driver = new_driver()
    page = driver.page
    driver.open()
    for name in ["block_size", "learning_rate", "n_embd", "n_layer", "num_steps", "temperature"]:
        row = page.locator(f".field.teach[data-field={name}]")
        assert row.locator("input[type=range]").is_visible(), name
        default = row.locator(".marks .default")
        assert default.count() == 1 and default.text_content().endswith("default"), name
        assert default.text_content().removesuffix("default") == page.input_value(f"#setting-{name}"), \
            f"{name}: the marked default is the value shown at first"
        assert len(row.locator(".help").text_content()) < 60, "one short line of help"
    assert page.is_hidden("#setting-n_head"), "the rest is under All settings"
    assert page.get_attribute("#setting-block_size-slider", "aria-valuetext") == "16"

    # The keyboard on the slider: one mark down is context length 8, typed into the box, the link and the check.
    page.focus("#setting-block_size-slider")
    page.keyboard.press("ArrowLeft")
    assert page.input_value("#setting-block_size") == "8"
    assert page.get_attribute("#setting-block_size-slider", "aria-valuetext") == "8"
    page.wait_for_function("location.hash.includes('block_size=8')")
    # A value typed in the box moves the slider to the nearest mark; the run takes the typed value.
    page.fill("#setting-num_steps", "40")
    driver.wait_checked()
    assert page.input_value("#setting-num_steps-slider") == "0"     # nearest mark: 100
    assert re.search(r"4,\d{3} parameters · ≈\d+\u00a0s a run here\.", page.text_content("#param-count"))
    assert re.fullmatch(r"≈\d+\u00a0s a run here \(estimated\)\.", page.text_content("#train-cost"))
    page.locator("#setting-learning_rate-slider").fill("4")        # marks: 0.001 0.003 0.01 0.03 0.1 0.3
    assert page.input_value("#setting-learning_rate") == "0.1"
    driver.wait_checked()
    driver.train()
    page.wait_for_function("!document.querySelector('#train-cost').textContent.includes('estimated')")
    assert re.fullmatch(r"≈\d+\u00a0s a run here \(from your last run\)\.", page.text_content("#train-cost")), \
        "measured by the finished run"
    config = driver.state("summary.config")
    assert (config["block_size"], config["num_steps"], config["learning_rate"]) == (8, 40, 0.1)
    assert page.is_disabled("#setting-block_size-slider") is False, "a finished run leaves the sliders free"

    # The temperature slider (step 2) is the sampling temperature, shared with the next-character view.
    page.locator("#setting-temperature-slider").fill("7")          # marks: 0.1 … 0.7 1 …
    assert page.input_value("#setting-temperature") == "1"
    assert page.text_content("#nt-temperature-value") == "1"
    assert driver.console_errors == []


def test_the_sliders_follow_what_the_page_state_writes_into_their_boxes(new_driver, site):
    """A link, Back and "Vary this run" write the boxes through the page state, not by typing: the sliders follow."""
    driver = new_driver()
    page = driver.page
    driver.open()
    slider = lambda name: (page.input_value(f"#setting-{name}-slider"),
                           page.get_attribute(f"#setting-{name}-slider", "aria-valuetext"))
    assert slider("block_size") == ("3", "16") and slider("learning_rate") == ("2", "0.01")
    page.evaluate("location.hash = 'block_size=32&learning_rate=0.03&temperature=2'")        # a link, pasted
    page.wait_for_function("document.querySelector('#setting-block_size').value === '32'")
    assert slider("block_size") == ("4", "32") and slider("learning_rate") == ("3", "0.03")
    assert page.input_value("#setting-temperature-slider") == "9", "temperature 2, the tenth mark"
    assert page.text_content("#nt-temperature-value") == "2", "step 4's temperature is the same one"
    page.go_back()
    page.wait_for_function("document.querySelector('#setting-block_size').value === '16'")
    assert slider("block_size") == ("3", "16") and slider("learning_rate") == ("2", "0.01")
    # A run trained at 8, then the page set back to 16: Vary this run puts the run's 8 back, slider too.
    page.locator("#setting-block_size-slider").fill("2")
    driver.set_setting("num_steps", 20)
    driver.train()
    page.locator("#setting-block_size-slider").fill("3")
    assert slider("block_size") == ("3", "16")
    page.locator("#runs button", has_text="Vary this run").first.click()
    page.wait_for_function("document.querySelector('#setting-block_size').value === '8'")
    assert slider("block_size") == ("2", "8")
    assert driver.console_errors == []


def test_the_sliders_are_locked_while_a_run_trains(new_driver, site):
    driver = new_driver()
    driver.open()
    driver.train(wait_for="training")
    assert driver.page.is_disabled("#setting-block_size-slider")
    assert driver.page.is_enabled("#setting-temperature-slider"), "sampling settings stay free"
    driver.page.click("#stop")
    driver.wait_phase("stopped")
    assert driver.page.is_enabled("#setting-block_size-slider")


def test_a_run_that_ends_does_not_scroll_the_page(new_driver, site):
    driver = new_driver(viewport=(1280, 800))
    page = driver.page
    driver.open()
    driver.set_setting("num_steps", 30)
    page.evaluate("window.scrollTo(0, 150)")
    generate = page.locator("#generate").bounding_box()
    assert generate["y"] > 800, "Generate is off screen, so focusing it with a scroll would move the page"
    page.click("#train")
    driver.wait_phase("done")
    page.wait_for_function("window.__microgpt.sampleCount > 0")
    page.wait_for_timeout(300)
    assert page.evaluate("document.activeElement.id") == "generate", "focus still follows to what comes next"
    assert page.evaluate("scrollY") == 150
    assert driver.console_errors == []
