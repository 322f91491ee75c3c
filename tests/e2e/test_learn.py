"""Learning by doing, end to end: a ready experiment asks for a prediction before it runs, runs both arms and shows
two curves (each in its legend's colour, light and dark), two sample lists, the measured outcome marked against the
prediction, and the expectation, revealed only then; "Step once" while paused shows a row per position and training then goes on
exactly as it would have; the shapes of the forward pass beside the code follow the settings; an embed can show one
experiment."""

import re

import pytest

from tests.e2e.test_page import SMALL_NAMES, assert_close, native_run

HEAVY = re.compile(r"/(pyodide/|wheels/|worker\.js)")


def outcome_shown(page, timeout=300_000):
    page.wait_for_selector("#experiment-outcome-block:not([hidden])", timeout=timeout)


def arm_pixels(page):
    """For each arm in the Experiments chart's legend: its marker's colour and how many of the canvas's pixels have it."""
    return page.evaluate("""() => {
        const box = document.querySelector('#experiment-chart');
        const canvas = box.querySelector('canvas');
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        const markers = [...box.querySelectorAll('.u-legend .u-series')].slice(1)
            .map((series) => getComputedStyle(series.querySelector('.u-marker')).borderTopColor);
        return markers.map((colour) => {
            const [r, g, b] = colour.match(/[\\d.]+/g).map(Number);
            let pixels = 0;
            for (let i = 0; i < data.length; i += 4) {
                const off = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
                if (off < 40 && data[i + 3] > 200) pixels++;
            }
            return [colour, pixels];
        });
    }""")


def test_the_learning_rate_experiment_asks_a_prediction_then_marks_it_with_curves_samples_and_outcome(new_driver, site):
    driver = new_driver(site + "#experiment=learning-rate-x10")
    page = driver.page
    driver.open()
    assert page.input_value("#experiment-select") == "learning-rate-x10"
    # The prediction comes first: Run waits for one (or a skip), and the expectation is not shown yet.
    assert page.text_content("#experiment-question") == \
        "With learning_rate 0.1 instead of learning_rate 0.01, the held-out loss will be…"
    assert page.locator("#experiment-choices input").evaluate_all("inputs => inputs.map((input) => input.value)") == \
        ["higher", "about the same", "lower", "skip"]
    assert page.is_disabled("#experiment-run")
    assert page.text_content("#experiment-status") == "Choose your prediction above (or skip it) to run the experiment."
    assert page.is_hidden("#experiment-expect") and page.is_hidden("#experiment-outcome-block")
    assert "experiment=learning-rate-x10" in page.url and "experiment=learning-rate-x10" in \
        page.input_value("#experiment-link")
    # The page's own run, trained as the baseline arm would be: the experiment samples it instead of training again.
    driver.set_setting("num_steps", 300)
    driver.set_setting("eval_every", 50)
    driver.train("done", timeout=300_000)
    trained = driver.state("events")
    page.check("#experiment-choices input[value='higher']")
    assert page.is_enabled("#experiment-run") and page.text_content("#experiment-status") == ""
    page.click("#experiment-run")
    driver.wait_phase("experiment")
    assert page.is_disabled("#train") and page.text_content("#status") == "Running an experiment"
    assert page.is_disabled("#experiment-choices input[value='lower']")    # the prediction is fixed while it runs
    outcome_shown(page)
    driver.wait_phase("idle")
    assert page.text_content("#experiment-status") == "Done; reused: learning_rate 0.01 is the run you trained."
    held_out = [e["holdout_loss"] for e in trained if "holdout_loss" in e]
    assert page.locator("#experiment-outcome li").first.text_content().startswith(
        f"learning_rate 0.01: held-out loss {held_out[-1]:.3f}")
    assert page.get_attribute("#experiment-chart", "data-curves") == "2"
    assert page.locator("#experiment-chart .u-legend .u-series").count() == 3      # step + two arms
    columns = page.locator(".experiment-arm")
    assert columns.count() == 2
    assert [columns.nth(i).locator("h3").text_content() for i in range(2)] == \
        ["learning_rate 0.01", "learning_rate 0.1"]
    assert all(columns.nth(i).locator("li").count() == 20 for i in range(2))
    lines = page.locator("#experiment-outcome li").all_text_contents()
    for arm, line in zip(["learning_rate 0.01", "learning_rate 0.1"], lines):
        assert re.fullmatch(rf"{re.escape(arm)}: held-out loss \d\.\d{{3}}, names \d+\.\d letters long on average, "
                            r"\d+ % of them copied from the training data\.", line), line
    assert lines[2].startswith("learning_rate 0.1 against learning_rate 0.01: its loss is")
    # The outcome, marked against the prediction and the expectation, which is now revealed.
    losses = [float(re.search(r"held-out loss (\d\.\d{3})", line).group(1)) for line in lines[:2]]
    marks = page.locator("#experiment-verdict li")
    said = re.fullmatch(r"You said higher — it was (higher|lower|about the same)(?: by (\d\.\d{3}))?.*?( ✓| ✗)",
                        marks.nth(0).text_content())
    assert said, marks.nth(0).text_content()
    assert said.group(1) == "higher" and said.group(3) == " ✓" and marks.nth(0).get_attribute("class") == "right"
    assert abs(float(said.group(2)) - (losses[1] - losses[0])) <= 0.0015
    assert marks.nth(1).text_content() == "The stated expectation said higher ✓"
    assert page.is_visible("#experiment-expect") and page.text_content("#experiment-expect").startswith(
        "Ten times larger steps")
    assert page.is_disabled("#experiment-choices input[value='higher']")    # it ran: the prediction stays as given
    # Each arm is drawn in its legend's colour, in light and in dark, and the chart is redrawn when the scheme changes.
    light = arm_pixels(page)
    assert len(light) == 2 and all(pixels > 50 for _, pixels in light), light
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("colour => getComputedStyle(document.querySelector("
                           "'#experiment-chart .u-legend .u-series:nth-child(2) .u-marker')).borderTopColor !== colour",
                           arg=light[0][0])
    dark = arm_pixels(page)
    assert len(dark) == 2 and all(pixels > 50 for _, pixels in dark), dark
    assert dark[0][0] != light[0][0]          # run 0's blue is lighter on a dark card
    page.emulate_media(color_scheme="light")
    # Running it again reuses both arms: nothing is trained twice.
    page.click("#experiment-run")
    page.wait_for_function("document.querySelector('#experiment-status').textContent === "
                           "'Done; reused: 2 arms were run before.'")
    assert marks.nth(0).text_content().startswith("You said higher")
    assert driver.console_errors == []


def test_step_once_shows_every_position_and_training_continues_unchanged(driver):
    driver.use_text("\n".join(SMALL_NAMES))
    steps = 200         # the pause lands wherever the run is when it is heard (under load, tens of steps on): two
    driver.set_setting("num_steps", steps)      # Step once must be left after it
    driver.set_setting("eval_every", 10)
    page = driver.page
    assert page.is_disabled("#step-once")
    driver.train(wait_for=None)
    driver.wait_step(3)
    page.click("#pause")
    driver.wait_phase("paused")
    # The steps taken; the last one's event is still to come when Pause came inside its held-out evaluation, which
    # Step once then finishes first.
    taken = int(page.text_content("#stat-step").split(" / ")[0])
    assert len(driver.state("events")) in (taken - 1, taken) and taken <= steps - 2
    scrolled = page.evaluate("scrollY")
    page.click("#step-once")
    page.wait_for_selector("#microscope:not([hidden])")
    page.wait_for_function("n => window.__microgpt.events.length === n + 1", arg=taken)
    # A pointer user keeps their place; a cue beside the button says where the result is.
    assert page.evaluate("scrollY") == scrolled
    assert page.is_visible("#step-cue") and page.text_content("#step-cue").startswith(
        f"Step {taken + 1} is under the microscope, in step 4 below")
    assert page.evaluate("document.activeElement.id") != "microscope-title"
    rows = page.locator("#microscope-rows tr")
    doc = re.search(r"trained on “([a-z]+)”", page.text_content("#microscope-doc")).group(1)
    assert rows.count() == len(doc) + 1                   # start → first letter, …, last letter → end
    assert rows.nth(0).locator("td").nth(1).text_content() == "◆"
    assert rows.nth(0).locator("td").nth(2).text_content() == doc[0]
    step_loss = driver.state("events")[-1]["loss"]
    assert page.text_content("#microscope-loss") == \
        f"mean of {rows.count()} loss terms = {step_loss:.4f}, the loss of step {taken + 1}"
    assert page.locator("#microscope-updates tr").count() == 5
    # Layers counted from 1 as in every view; numbers in plain decimals (with a bar), never e-notation.
    updates = page.text_content("#microscope-updates")
    assert "layer 1 " in updates and "layer0" not in updates
    assert not re.search(r"\d[eE][-+]?\d", updates), updates
    # From the keyboard, Step once takes the reader to its result, focus on its heading.
    driver.wait_phase("paused")
    page.wait_for_function("!document.querySelector('#step-once').disabled")
    page.focus("#step-once")
    page.keyboard.press("Enter")
    page.wait_for_function("n => window.__microgpt.events.length === n + 2", arg=taken)
    page.wait_for_function("document.activeElement.id === 'microscope-title'")
    page.wait_for_function("Math.abs(document.querySelector('#microscope').getBoundingClientRect().top) < 5")
    assert page.text_content("#step-cue").startswith(f"Step {taken + 2} is under the microscope")
    driver.wait_phase("paused")
    page.click("#pause")
    driver.wait_phase("done")
    native = native_run(driver.state("summary.config"), "\n".join(SMALL_NAMES))
    page_events = driver.state("events")
    assert [e["step"] for e in page_events] == list(range(1, steps + 1))
    assert_close([e["loss"] for e in page_events], [e["loss"] for e in native], "loss")
    assert page.is_hidden("#microscope")
    driver.set_setting("num_steps", 1000)
    driver.set_setting("eval_every", 100)
    driver.use_builtin()


def test_changing_n_embd_changes_the_shapes_beside_the_code(driver):
    page = driver.page
    page.wait_for_selector("#code[data-loaded='true']")
    note = page.locator("#code-notes .code-note", has_text="attn_wq")
    page.wait_for_function("document.querySelector('#code-notes').textContent.includes('attn_wq 16 × 16')")
    assert note.text_content() == "q: 16 → 4 heads × 4 · attn_wq 16 × 16 = 256 parameters"
    driver.set_setting("n_embd", 32)
    page.wait_for_function("document.querySelector('#code-notes').textContent.includes('32 → 4 heads × 8')")
    assert note.text_content() == "q: 32 → 4 heads × 8 · attn_wq 32 × 32 = 1,024 parameters"
    assert "mlp hidden: 32 → 128" in page.text_content("#code-notes")
    assert "14,528 parameters in all" in page.text_content("#code-shapes")
    # Each note sits on its line, in a gutter of its own: no note covers code.
    note_row, code_row = page.evaluate("""() => [
        [...document.querySelectorAll('#code-notes > span')].findIndex((row) => row.textContent.startsWith('q: ')),
        document.querySelector('#code-text').textContent.split('\\n').findIndex((l) => l.trim().startsWith('q = linear'))]""")
    assert note_row == code_row > 0
    notes_left, code_right = page.evaluate("""() => [document.getElementById('code-notes').getBoundingClientRect().left,
        document.querySelector('#code-view .code-body').getBoundingClientRect().right]""")
    assert notes_left >= code_right - 0.5
    driver.set_setting("n_embd", 16)
    # A link naming no ready experiment says so, and which names there are.
    page.evaluate("location.hash = 'experiment=nope'")
    page.wait_for_function("document.querySelector('#experiment-status').textContent.includes('nope')")
    assert page.text_content("#experiment-status").startswith(
        "experiment: “nope” is not a ready experiment; the link may name one of context, learning-rate-tenth")


def test_an_embed_shows_one_experiment_and_loads_python_only_when_run(new_driver, site):
    driver = new_driver(site + "#embed&experiment=temperature")
    page = driver.page
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto(driver.base_url)
    page.wait_for_selector("#experiment-question:has-text('With temperature 1.5 instead of temperature 0.2')")
    assert page.is_visible("#experiments") and page.is_hidden("#settings") and page.is_hidden("#train")
    assert not [url for url in driver.requests if HEAVY.search(url)]
    page.check("#experiment-choices input[value='skip']")
    page.click("#experiment-run")
    outcome_shown(page)
    assert page.locator("#experiment-verdict li").first.text_content().startswith("You made no prediction — it was ")
    assert page.text_content("#experiment-expect").startswith("One model, sampled three ways")
    assert page.get_attribute("#experiment-chart", "data-curves") == "1"      # one model, sampled three ways
    assert page.locator(".experiment-arm").count() == 3
    assert "temperature 1.5 against temperature 0.2: its names are" in page.text_content("#experiment-outcome")
    assert driver.console_errors == []
