"""The page as learners, blog readers and keyboard users meet it: the dark scheme (from the system or the link's
theme) in the page and the embed; an embed that tells its host its height, so that the snippet's frame shows it whole
at 366px and 700px; the embed's lesson (only the settings its link makes editable are fields, and training uses the
reader's values); a phone's first screen; focus that follows the pressed button; the cue for settings that no
longer match the model; samples when training ends; and axe-core finding no violation, light and dark."""

import json
import pathlib

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import wait_phase

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
QUICK = "num_steps=30&num_samples=8"


def luminance(css_color):
    """Relative luminance (0 black … 1 white) of an `rgb(r, g, b)` computed colour."""
    r, g, b = (int(part) / 255 for part in css_color[css_color.index("(") + 1:-1].split(",")[:3])
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def background(frame, selector):
    return luminance(frame.evaluate(f"getComputedStyle(document.querySelector('{selector}')).backgroundColor"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_and_the_embed_follow_the_system_scheme(new_driver, site, scheme):
    driver = new_driver(color_scheme=scheme)
    page, errors = driver.page, driver.console_errors
    for url in [site, f"{site}index.html#embed&{QUICK}"]:
        page.goto(url)
        page.wait_for_function("window.__microgpt && window.__microgpt.idle")
        body, card = background(page, "body"), background(page, ".card")
        if scheme == "dark":
            assert body < 0.05 and card < 0.05, url
        else:
            assert body > 0.8 and card > 0.8, url
        assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "light dark"
    assert errors == []


def test_a_link_theme_overrides_the_system_scheme_and_the_chart_redraws_in_it(new_driver, site):
    driver = new_driver()
    page, errors = driver.page, driver.console_errors
    driver.open(f"{site}index.html#{QUICK}&theme=dark")
    assert background(page, "body") < 0.05
    assert page.input_value("#setting-theme") == "dark"
    driver.train()
    grid = page.evaluate("window.__microgpt.chartColors.grid")
    page.select_option("#setting-theme", "light")
    assert background(page, "body") > 0.8
    page.wait_for_function("grid => window.__microgpt.chartColors.grid !== grid", arg=grid)
    assert luminance(page.evaluate("window.__microgpt.chartColors.grid")) > 0.8
    page.wait_for_function("location.hash.includes('theme=light')")

    page.emulate_media(color_scheme="dark")
    page.goto(f"{site}index.html#embed&{QUICK}&theme=light")
    page.wait_for_function("window.__microgpt && window.__microgpt.idle")
    assert background(page, "body") > 0.8
    assert errors == []


@pytest.fixture
def snippet(new_driver, site):
    """The Copy embed code snippet the full app gives for its settings plus `extra`, as a blog author pastes it."""
    def make(extra):
        driver = new_driver()
        page = driver.page
        page.add_init_script("delete Navigator.prototype.clipboard")   # the snippet lands in the field
        driver.open(f"{site}index.html#{QUICK}&{extra}")
        page.click("#copy-embed")
        page.wait_for_function("document.querySelector('#share-output').value.startsWith('<iframe')")
        return page.input_value("#share-output")
    return make


@pytest.fixture
def blog(builder, tmp_path):
    """A blog post on another origin: a column of the given width holding the snippet; it records every message."""
    def make(code, width):
        (tmp_path / f"post{width}.html").write_text(
            "<!doctype html><meta charset=utf-8><title>A blog post</title><link rel=icon href='data:,'>"
            "<script>window.heard = []; addEventListener('message', (event) => heard.push(event.data));</script>"
            f"<body style='margin:0'><main style='width:{width}px;margin:0 auto'><p>Before.</p>{code}<p>After.</p></main>")
        return builder.url(server) + f"post{width}.html"
    server = builder.serve(tmp_path)
    yield make
    server.shutdown()


@pytest.mark.parametrize("width", [366, 700])
def test_the_snippet_sizes_the_frame_to_the_widget_so_nothing_scrolls_inside_it(new_driver, snippet, blog, width):
    code = snippet("theme=dark")
    assert code.count("<iframe") == 1 and "microgpt:height" in code and 'height="1250"' in code
    driver = new_driver(viewport=(width + 40, 900))
    page, errors = driver.page, driver.console_errors
    page.goto(blog(code, width))
    frame = page.frame_locator("iframe")
    frame.locator("#train:enabled").wait_for()
    widget = page.main_frame.child_frames[0]

    def fits():
        page.wait_for_function("heard.some((message) => message.type === 'microgpt:height')")
        page.wait_for_timeout(300)     # the frame takes the last height posted
        posted = page.evaluate("heard.filter((m) => m.type === 'microgpt:height').at(-1).height")
        box = page.locator("iframe").bounding_box()
        assert box["width"] == width
        assert abs(box["height"] - posted) <= 1
        scroll = widget.evaluate("[document.documentElement.scrollHeight, document.documentElement.clientHeight,"
                                 " document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll[0] <= scroll[1] and scroll[2] <= scroll[3], f"scrolls inside the frame: {scroll}"
        return posted

    before = fits()
    assert background(widget, "body") < 0.05, "the link's theme=dark"
    widget.click("#train")
    wait_phase(widget, "done", timeout=120_000)
    widget.wait_for_function("window.__microgpt.samples.length === 8")
    assert fits() > before, "the trained widget with its samples is taller, and the frame grew with it"
    assert errors == []


def test_an_embed_link_makes_exactly_its_editable_settings_fields_and_trains_with_the_readers_values(new_driver, site):
    driver = new_driver()
    page, errors = driver.page, driver.console_errors
    page.goto(f"{site}index.html#embed&{QUICK}&editable=learning_rate")
    page.wait_for_function("window.__microgpt && window.__microgpt.idle")
    # "Train again on every change" is the run's option, not a setting; a slider is its box's, checked below
    visible = page.eval_on_selector_all(
        "input:not([type=radio]):not([type=file]):not([type=range]):not(#auto-train), select, textarea",
        "fields => fields.filter((field) => field.checkVisibility()).map((field) => field.name)")
    assert visible == ["learning_rate"]
    assert page.is_visible("#auto-train"), "the reader may retrain on every change in the embed too"
    assert page.is_visible("#setting-learning_rate-slider"), "the teaching slider comes with its field"
    assert page.eval_on_selector_all("input[type=range]", "sliders => sliders.filter((s) => s.checkVisibility()).length") == 1
    shown = page.text_content("#embed-settings")
    assert "Training steps 30" in shown and "Embedding width 16" in shown and "Learning rate" not in shown
    page.fill("#setting-learning_rate", "0.05")
    driver.train()
    assert page.evaluate("window.__microgpt.summary.config.learning_rate") == 0.05
    reason = page.text_content("#train-reason")
    assert "change the learning rate and train again" in reason and "change settings" not in reason
    assert page.is_disabled("#setting-learning_rate") is False
    assert errors == []


def test_on_a_phone_train_and_the_chart_come_first_and_every_tap_target_is_44px(new_driver, site):
    driver = new_driver(viewport=(390, 844))
    page, errors = driver.page, driver.console_errors
    driver.open(f"{site}index.html#{QUICK}")
    train = page.locator("#train").bounding_box()
    assert train["y"] + train["height"] <= 844, "Train is on the first screen"
    assert page.locator("#chart-frame").bounding_box()["y"] < page.locator("#data-title").bounding_box()["y"]
    hash_before = page.evaluate("location.hash")
    page.click("#to-data")
    assert page.evaluate("location.hash") == hash_before, "the settings in the hash are left alone"
    page.wait_for_function("document.querySelector('#data-title').getBoundingClientRect().top < 100")
    small = page.eval_on_selector_all(
        "button:not(.term), select, input[type=text], .segmented label, summary",
        """targets => targets.filter((target) => target.checkVisibility())
            .map((target) => [target.id || target.textContent.trim(), target.getBoundingClientRect().height])
            .filter(([, height]) => height < 44)""")
    assert small == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []


def test_keyboard_focus_follows_the_pressed_button_and_phases_are_announced(new_driver, site):
    driver = new_driver()
    page, errors = driver.page, driver.console_errors
    driver.open(f"{site}index.html#num_steps=5000")
    page.focus("#train")
    page.keyboard.press("Enter")
    driver.wait_phase("training")
    page.wait_for_function("document.activeElement.id === 'pause'")
    assert "Training" in page.text_content("#announce")
    page.keyboard.press("Enter")
    driver.wait_phase("paused")
    page.wait_for_function("document.activeElement.id === 'pause'")     # the same button, now named Resume
    assert page.text_content("#pause") == "Resume"
    assert "Paused" in page.text_content("#announce")
    page.focus("#stop")
    page.keyboard.press("Enter")
    driver.wait_phase("stopped")
    page.wait_for_function("document.activeElement.id === 'generate'")
    assert page.get_attribute("#announce", "aria-live") == "polite"
    # The focused segment of the data-source control has a ring that is not its selected fill.
    page.focus('input[name="source"][value="builtin"]')
    page.keyboard.press("ArrowRight")
    ring = page.evaluate("""(() => {
        const label = document.querySelector('.segmented label:has(input:focus-visible)');
        const style = getComputedStyle(label);
        return [style.outlineStyle, style.outlineWidth, style.outlineOffset]; })()""")
    assert ring[0] == "solid" and ring[1] == "2px" and ring[2] == "2px"
    assert errors == []


def test_settings_changed_since_training_are_marked_and_samples_come_when_training_ends(new_driver, site):
    driver = new_driver()
    page, errors = driver.page, driver.console_errors
    driver.open(f"{site}index.html#{QUICK}&block_size=4")
    assert "documents" in page.text_content("#setting-block_size-note")
    assert "cut to the first 4 characters" in page.text_content("#setting-block_size-note")
    driver.train()
    page.wait_for_function("document.querySelectorAll('#samples li').length === 8")
    assert page.evaluate("window.__microgpt.sampleCount") == 1
    assert all(len(name) <= 4 for name in page.evaluate("window.__microgpt.samples"))
    assert "compare it only with runs of the same context length" in page.text_content("#holdout-note")
    assert page.is_hidden("#settings-trained")
    page.fill("#setting-learning_rate", "0.02")
    page.wait_for_function("window.__microgpt.idle")
    assert page.is_visible("#settings-trained")
    assert "The model shown was trained with learning rate 0.01" in page.text_content("#settings-trained")
    row = page.locator('.field[data-field="learning_rate"]')
    assert "changed" in row.get_attribute("class") and "model: 0.01" in row.text_content()
    assert "changed" not in page.get_attribute('.field[data-field="n_embd"]', "class")
    page.fill("#setting-learning_rate", "0.01")
    page.wait_for_function("window.__microgpt.idle")
    assert page.is_hidden("#settings-trained")
    assert errors == []


def test_the_chart_reads_out_values_by_keyboard_and_as_a_table_with_whole_step_ticks(new_driver, site):
    driver = new_driver()
    page, errors = driver.page, driver.console_errors
    driver.open(f"{site}index.html#num_steps=250")
    driver.train()
    page.focus("#chart-frame")
    page.keyboard.press("Home")
    assert page.text_content("#chart-readout").startswith("Step 1: loss ")
    page.keyboard.press("ArrowRight")
    assert page.text_content("#chart-readout").startswith("Step 2: loss ")
    page.click("summary:has-text('Show the losses as a table')")
    page.wait_for_selector("#chart-table tbody tr")     # filled on the details' toggle event
    rows = page.eval_on_selector_all("#chart-table tbody tr", "rows => rows.map((row) => row.cells[0].textContent)")
    assert rows == ["1", "100", "200", "250"]
    # Four steps: left to itself, uPlot would put ticks at every half step.
    page.fill("#setting-num_steps", "4")
    page.wait_for_function("window.__microgpt.idle")
    driver.train()
    page.wait_for_timeout(300)
    ticks = page.evaluate("window.__microgpt.chart.stepTicks")
    assert ticks and all(tick == int(tick) for tick in ticks), ticks
    assert errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("where", ["page", "embed"])
def test_axe_finds_no_violations(new_driver, site, scheme, where):
    driver = new_driver(color_scheme=scheme)
    page, errors = driver.page, driver.console_errors
    if where == "page":
        driver.open(f"{site}index.html#{QUICK}&block_size=4")
    else:
        page.goto(f"{site}index.html#embed&{QUICK}&editable=learning_rate,temperature")
        page.wait_for_function("window.__microgpt && window.__microgpt.idle")
    driver.train()
    page.wait_for_function("document.querySelectorAll('#samples li').length === 8")
    if where == "page":
        page.fill("#setting-learning_rate", "0.02")     # the changed-settings cue is checked too
        page.wait_for_function("window.__microgpt.idle")
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    problems = [(v["id"], v["help"], [node["target"] for node in v["nodes"]][:5]) for v in result["violations"]]
    assert problems == [], json.dumps(problems, indent=1, ensure_ascii=False)
    assert errors == []
