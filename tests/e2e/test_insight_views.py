"""The views inside the model and the run list, end to end in Chromium: the next-character bars follow the name and
position the diagram follows (test_diagram.py tests the diagram itself); after training there is a heatmap per
layer × head and a point per vocabulary character; two runs that
differ in learning_rate are both listed, overlaid and told apart by the legend; and the command a run shows
reproduces its losses in the terminal."""

import json
import math
import pathlib
import shlex
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

END_GLYPH = "◆"


def bars(driver):
    """The next-character bars as shown: [(label, probability in %, length in % of the axis, value text)], top
    first."""
    return driver.page.evaluate("""() => [...document.querySelectorAll("#nt-bars .bar-row")].map((row) => [
        row.querySelector(".bar-label").textContent, 100 * Number(row.dataset.prob),
        100 * Number(/scaleX\\(([^)]*)\\)/.exec(row.querySelector(".bar-fill").style.transform)[1]),
        row.querySelector(".bar-value").textContent])""")


def wait_bars_for(driver, prefix):
    driver.page.wait_for_function("p => document.getElementById('nt-caption').textContent.includes(p)",
                                  arg=f"After “{prefix}”" if prefix else "At the start of a name")


def follow(driver, name, position):
    """Type a name, pick a position, and wait for the diagram to show that trace."""
    page = driver.page
    page.locator("#trace").scroll_into_view_if_needed()
    page.fill("#trace-name", name)
    page.click(f"#trace-positions button[data-position='{position}']")
    page.wait_for_function("([n, p]) => document.getElementById('trace-caption').textContent.startsWith(`“${n}” at position ${p}:`)",
                           arg=[name, position])


def train(driver, **settings):
    driver.reset()
    driver.use_builtin()
    for name, value in settings.items():
        driver.set_setting(name, value)
    before = len(driver.state("runs"))
    driver.train("done")
    # The run is kept as soon as it ends; the names it is kept with follow a moment later.
    driver.page.wait_for_function("n => window.__microgpt.runs.length > n && window.__microgpt.runs.at(-1).samples.length",
                                  arg=before)
    return driver.state("runs")[-1]


def test_the_followed_name_and_position_change_the_bars(driver):
    train(driver, num_steps=40, learning_rate=0.01)
    follow(driver, "ma", 0)
    driver.page.locator("#next-token").scroll_into_view_if_needed()
    wait_bars_for(driver, "")
    start = bars(driver)
    vocab_size = driver.state("summary.vocab_size")
    assert len(start) == vocab_size, "a bar per token, the end token too"
    assert END_GLYPH in [bar[0] for bar in start]
    chances = [chance for _, chance, _, _ in start]
    assert chances == sorted(chances, reverse=True), "sorted, most likely first"
    assert sum(chances) == pytest.approx(100, abs=1e-9)
    for _, chance, length, _ in start:
        assert length == pytest.approx(chance, abs=0.01), "drawn on a fixed 0-100 % axis, not scaled to the largest"
    assert driver.page.is_visible("#nt-bars .bar-row.end .bar-note")

    follow(driver, "ma", 2)
    driver.page.locator("#next-token").scroll_into_view_if_needed()
    wait_bars_for(driver, "ma")
    after = bars(driver)
    assert after != start
    assert len(after) == vocab_size
    rows = driver.page.locator("#nt-table-body tr")
    assert rows.count() == 5, "the top 5 as a table"

    driver.page.fill("#trace-name", "m!")
    driver.page.wait_for_selector("#trace-message:not([hidden])")
    assert "!" in driver.page.text_content("#trace-message")
    driver.page.fill("#trace-name", "ma")
    driver.page.wait_for_selector("#trace-message", state="hidden")


def test_after_training_a_heatmap_per_layer_and_head_and_a_point_per_character(driver):
    run = train(driver, num_steps=30, n_layer=2, n_head=2, n_embd=8)
    follow(driver, "anna", 0)
    driver.page.locator("#attention").scroll_into_view_if_needed()
    driver.page.wait_for_function("document.querySelectorAll('#diagram .heatmaps table').length === 4 && "
                                  "document.getElementById('attn-caption').textContent.includes('5 positions')")
    # Each layer's maps sit at its attention weights stage.
    assert driver.page.locator("#diagram .stage[data-stage='layer2.weights'] .heatmap").count() == 2
    maps = driver.page.locator("#diagram .heatmaps figure")
    assert maps.count() == run["config"]["n_layer"] * run["config"]["n_head"]
    assert "Layer 2 · head 2" in maps.nth(3).text_content()
    assert "%" in maps.nth(0).locator(".habit").text_content()
    # Each row of a map: the visible cells carry weights that add up to 1; the future cells are blank, not 0.
    rows = driver.page.evaluate("""() => [...document.querySelectorAll("#diagram .heatmaps table")[0].tBodies[0].rows]
        .map((row) => [[...row.querySelectorAll("td.weight")].map((cell) => parseFloat(cell.textContent)),
                       [...row.querySelectorAll("td.future")].map((cell) => cell.textContent)])""")
    assert len(rows) == 5
    for query, (weights, future) in enumerate(rows):
        assert len(weights) == query + 1 and len(future) == 4 - query
        assert sum(weights) == pytest.approx(1, abs=0.03)
        assert all(text == "" for text in future)
    labels = driver.page.evaluate("""() => [...document.querySelectorAll("#diagram .heatmaps table")[0].tHead.rows[0]
        .querySelectorAll("th")].map((cell) => cell.textContent)""")
    assert labels == [END_GLYPH, "a", "n", "n", "a"]

    # Keyboard: focus a map's cell, move with the arrows, and the weight is read out.
    first = driver.page.locator("#diagram .heatmaps table").first.locator("td.weight").first
    first.focus()
    driver.page.keyboard.press("ArrowDown")
    driver.page.keyboard.press("ArrowRight")
    readout = driver.page.text_content("#attn-readout")
    assert "(position 1) looks at “a” (position 1) with weight" in readout

    # A sample is one click away.
    driver.page.locator("#trace-samples button").first.click()
    name = driver.page.locator("#trace-samples button").first.text_content()
    assert driver.page.input_value("#trace-name") == name

    driver.page.locator("#embeddings").scroll_into_view_if_needed()
    driver.page.wait_for_function("document.getElementById('emb-caption').textContent.startsWith('Step 30')")
    marks = driver.page.locator("#emb-map .emb-mark")
    assert marks.count() == driver.state("summary.vocab_size")
    assert driver.page.locator("#emb-map .emb-mark.end").count() == 1
    assert driver.page.locator("#emb-map .emb-mark.vowel").count() == 5
    assert "% of the variance" in driver.page.text_content("#emb-x")
    assert driver.page.locator("#emb-table-body tr").count() == driver.state("summary.vocab_size")


def smoothed_final(curve, weight=0.97):
    """The last smoothed training loss of a run's curve (a debiased EMA, as web/base/losses.js smooths)."""
    ema = 0.0
    for _, loss, _ in curve:
        ema = weight * ema + (1 - weight) * loss
    return ema / (1 - weight ** len(curve))


def test_two_learning_rates_are_listed_overlaid_and_named_in_the_legend(driver):
    first = train(driver, num_steps=30, learning_rate=0.01)
    second = train(driver, num_steps=30, learning_rate=0.03)
    items = driver.page.locator("#run-list .run")
    assert items.nth(0).locator(".run-name").text_content() == f"#{second['id']} learning_rate 0.01 → 0.03"
    assert items.nth(1).get_attribute("data-run") == str(first["id"])
    for item, run in ((items.nth(0), second), (items.nth(1), first)):
        terms = item.locator(".run-facts dt").all_text_contents()
        facts = item.locator(".run-facts dd").all_text_contents()
        assert terms[:2] == ["Loss (smoothed)", "Held-out loss"]
        assert facts[:3] == [f"{smoothed_final(run['curve']):.3f}", f"{run['final_holdout']:.3f}", "30 / 30"]
        assert item.locator(".run-samples").text_content().strip() != "no samples"
        assert item.locator(".run-command code").text_content().startswith("python -m microgpt train")
    # One final-loss figure: the run list's is the Training card's, named alike, with the same decimals.
    assert driver.page.text_content("#stat-loss") == f"{smoothed_final(second['curve']):.3f}"
    assert driver.page.text_content("#stat-holdout") == f"{second['final_holdout']:.3f}"

    # Only these two on the chart: untick every other run.
    driver.page.evaluate("""ids => document.querySelectorAll("#run-list .run").forEach((item) => {
        const box = item.querySelector("input[type=checkbox]");
        if (box.checked !== ids.includes(Number(item.dataset.run))) box.click(); })""", [first["id"], second["id"]])
    legend = driver.page.locator("#compare .u-legend").text_content()
    assert f"#{first['id']} learning_rate 0.01" in legend and f"#{second['id']} learning_rate 0.03" in legend
    series = driver.page.locator("#compare .u-legend .u-series")
    assert series.count() == 1 + 2 + 1, "step, two runs, the ln(vocab) baseline"

    # Hovering a step lists both runs' losses there.
    driver.page.locator("#compare-chart").scroll_into_view_if_needed()
    box = driver.page.locator("#compare-chart .u-over").bounding_box()
    driver.page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    driver.page.wait_for_function("""() => [...document.querySelectorAll("#compare .u-legend .u-series .u-value")]
        .slice(1, 3).every((cell) => Number.isFinite(parseFloat(cell.textContent)))""")
    values = driver.page.locator("#compare .u-legend .u-series .u-value").all_text_contents()
    assert all(is_number(value) for value in values[1:4]), values

    # Vary loads a run's settings back into the form; Delete removes it.
    items.nth(1).get_by_role("button", name=f"Load the settings of run #{first['id']} into the form").click()
    driver.wait_checked()
    assert driver.page.input_value("#setting-learning_rate") == "0.01"
    count = items.count()
    items.nth(0).get_by_role("button", name=f"Delete run #{second['id']}").click()
    assert driver.page.locator("#run-list .run").count() == count - 1


def is_number(text):
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def test_the_shown_command_reproduces_the_page_losses(driver, tmp_path):
    run = train(driver, num_steps=30, learning_rate=0.03, seed=7)
    shown = driver.page.locator(f'#run-list .run[data-run="{run["id"]}"] .run-command code').text_content()
    assert shown == run["command"]
    words = shlex.split(shown)
    assert words[:4] == ["python", "-m", "microgpt", "train"]
    log = tmp_path / "run.jsonl"
    subprocess.run([sys.executable, *words[1:], "--num-samples", "1", "--log", str(log)], cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [record["step"] for record in records] == [step for step, _, _ in run["curve"]]
    for record, (step, loss, holdout) in zip(records, run["curve"]):
        assert math.isclose(record["loss"], loss, rel_tol=1e-9, abs_tol=0), f"loss at step {step}"
        if holdout is not None:
            assert math.isclose(record["holdout_loss"], holdout, rel_tol=1e-9, abs_tol=0), f"held-out at step {step}"


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])
def test_the_views_fit_phone_and_desktop(driver, width, height):
    train(driver, num_steps=10)
    driver.page.set_viewport_size({"width": width, "height": height})
    driver.page.wait_for_timeout(150)
    assert driver.page.evaluate("document.documentElement.scrollWidth") <= width
    driver.page.set_viewport_size({"width": 1280, "height": 800})


def test_no_console_errors(driver):
    assert driver.console_errors == []
