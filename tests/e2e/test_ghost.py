"""Change one thing, see what shifts, end to end in Chromium: a second run keeps the first on the Training chart as a
faint ghost named by what changed; names sampled at each held-out evaluation appear under the chart during training,
with their steps; a learning rate that spikes is marked where it leaves the top of the Training chart and of the
compare chart, never clipped silently; and the Runs card says in one line how the runs compare."""

import math
import re

from tests.e2e.test_insight_views import train

GHOST_SERIES = 6        # the loss chart's series: step, training, smoothed, held-out, baseline, diverged, ghost


def canvas_checksum(driver, selector="#chart canvas"):
    """A weighted sum of the canvas's pixels: it changes when anything drawn changes."""
    return driver.page.evaluate("""selector => {
        const canvas = document.querySelector(selector);
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        for (let i = 0; i < data.length; i += 4) sum += data[i] * 3 + data[i + 1] * 5 + data[i + 2] * 7 + data[i + 3];
        return sum; }""", selector)


def smoothed(curve, weight=0.97):
    ema, out = 0.0, []
    for i, point in enumerate(curve, 1):
        ema = weight * ema + (1 - weight) * point[1]
        out.append(ema / (1 - weight ** i))
    return out


def test_a_second_run_keeps_the_first_as_a_ghost_named_by_what_changed(driver):
    first = train(driver, num_steps=60, eval_every=20, learning_rate=0.01)
    train(driver, num_steps=80, eval_every=20, learning_rate=0.02)
    ghost = driver.state("chart.ghost")
    assert ghost["label"] == "previous run: learning_rate 0.01 → 0.02, num_steps 60 → 80"
    assert ghost["points"] == 60 and ghost["drawn"] == 60 and ghost["shown"]
    assert ghost["label"] in driver.page.locator("#chart-frame .u-legend").text_content()
    # Same axes: one step axis for both runs, the ghost's values the first run's smoothed curve.
    data = driver.page.evaluate("window.__microgpt.chartData")
    steps, ghost_values = data[0], data[GHOST_SERIES]
    assert steps == list(range(1, 81))
    drawn = [value for value in ghost_values if value is not None]
    assert drawn == smoothed(first["curve"])
    assert ghost_values[60:] == [None] * 20
    # Its line is on the canvas: hiding it from the legend changes the pixels, showing it again brings them back.
    shown = canvas_checksum(driver)
    toggle = driver.page.locator("#chart-frame .u-legend .u-series").nth(GHOST_SERIES)
    toggle.click()
    assert canvas_checksum(driver) != shown
    toggle.click()
    assert canvas_checksum(driver) == shown
    assert "the run before stays as a faint dashed line" in driver.page.text_content("#chart-caption")


def test_names_appear_during_training_with_their_steps(driver):
    driver.use_builtin()
    driver.set_setting("num_steps", 3000)
    driver.set_setting("eval_every", 100)
    driver.train(wait_for="training")
    driver.page.wait_for_function("""() => document.querySelectorAll('#timeline li').length >= 3
        && window.__microgpt.phase === 'training'""", timeout=60_000)
    rows = driver.page.evaluate("""() => [...document.querySelectorAll('#timeline li')].map((row) => [row.dataset.step,
        row.querySelector('.timeline-step').textContent,
        [...row.querySelectorAll('.timeline-names span')].map((chip) => chip.textContent)])""")
    assert driver.state("phase") == "training", "the names came while it trained"
    assert [row[0] for row in rows[:3]] == ["0", "100", "200"]
    assert [row[1] for row in rows[:3]] == ["step 0", "step 100", "step 200"]
    assert all(len(row[2]) == 4 and all(name for name in row[2]) for row in rows)
    assert driver.page.is_visible("#timeline-block")
    driver.page.click("#stop")
    driver.wait_phase("stopped")
    # Kept short: at most six rows, the first and the newest among them.
    steps = [int(row) for row in driver.page.evaluate(
        "[...document.querySelectorAll('#timeline li')].map((row) => row.dataset.step)")]
    assert len(steps) <= 6 and steps[0] == 0
    driver.reset()
    assert driver.page.is_hidden("#timeline-block"), "Reset clears the timeline"


def test_a_spike_is_marked_where_it_leaves_the_axis_and_the_verdict_says_why(driver):
    calm = train(driver, num_steps=60, eval_every=30, learning_rate=0.01)
    spiky = train(driver, num_steps=60, eval_every=30, learning_rate=0.1)
    peak = max(loss for _, loss, _ in spiky["curve"])
    top = 1.5 * math.log(spiky["vocab_size"])
    assert peak > top, "this learning rate spikes (if not, pick one that does)"
    chart = driver.state("chart")
    assert chart["top"] == top
    assert max(mark["value"] for mark in chart["marks"]) == peak
    note = driver.page.text_content("#chart-offaxis")
    assert driver.page.is_visible("#chart-offaxis")
    assert note.startswith(f"▲ marks where a curve leaves the top of the axis ({top:.3f}): training loss up to {peak:.3f}")

    # On the compare chart too, whose axis is fixed: only these two runs ticked.
    driver.page.evaluate("""ids => document.querySelectorAll("#run-list .run").forEach((item) => {
        const box = item.querySelector("input[type=checkbox]");
        if (box.checked !== ids.includes(Number(item.dataset.run))) box.click(); })""", [calm["id"], spiky["id"]])
    marks = driver.state("compareMarks")
    assert marks and all(mark["label"].startswith(f"#{spiky['id']}") for mark in marks)
    assert driver.page.is_visible("#compare-offaxis")
    assert "▲ marks where a curve leaves the top of the axis" in driver.page.text_content("#compare-offaxis")

    verdicts = driver.page.locator("#compare-verdicts li").all_text_contents()
    assert len(verdicts) == 1
    line = verdicts[0]
    held = f"held-out {spiky['final_holdout']:.3f} vs {calm['final_holdout']:.3f}: "
    assert line.startswith(f"#{spiky['id']} vs #{calm['id']}: {held}")
    change = spiky["final_holdout"] - calm["final_holdout"]
    assert f"{'worse' if change > 0 else 'better'} by {abs(change):.3f}" in line
    assert re.search(rf"#{spiky['id']}'s (early )?spike to {peak:.1f} at step \d+ means the steps were too big", line)


def test_train_again_on_every_change_retrains_with_the_old_run_as_the_ghost(driver):
    train(driver, num_steps=40, eval_every=20, learning_rate=0.01)
    before = len(driver.state("runs"))
    driver.page.check("#auto-train")
    try:
        driver.set_setting("learning_rate", 0.02)
        driver.page.wait_for_function("n => window.__microgpt.runs.length > n", arg=before, timeout=120_000)
        driver.wait_phase("done")
        assert driver.state("chart.ghost.label") == "previous run: learning_rate 0.01 → 0.02"
        assert driver.state("summary.config.learning_rate") == 0.02
    finally:
        driver.page.uncheck("#auto-train")
    # Off (the default), a change trains nothing.
    driver.set_setting("learning_rate", 0.03)
    driver.page.wait_for_timeout(1500)
    assert driver.state("phase") == "done" and len(driver.state("runs")) == before + 1
