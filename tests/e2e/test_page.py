"""The page end to end in headless Chromium: it loads from dist/ and reaches ready with no console errors and no
request leaving localhost; its training equals native CPython's; the controls work while training runs."""

import json
import math
import string
import time

import pytest

from microgpt.session import Session

# A fixed small dataset: the parity runs train on it in the page and natively.
SMALL_NAMES = """emma olivia ava isabella sophia mia charlotte amelia harper evelyn abigail emily elizabeth sofia
avery ella scarlett grace chloe victoria riley aria lily aubrey zoey penelope lillian addison layla natalie camila
hannah brooklyn zoe nora leah savannah audrey claire eleanor skylar""".split()


def native_run(config, text):
    """The same run in this CPython: the losses and held-out losses per step, as the page's session reports them."""
    session = Session()
    session.handle("configure", json.dumps({"config": config, "data": {"source": "text", "text": text}}))
    events = []
    while True:
        chunk = json.loads(session.handle("train", json.dumps({"budget_ms": 1000})))
        events += chunk["events"]
        if chunk["done"]:
            return events


def assert_close(page_values, native_values, what):
    assert len(page_values) == len(native_values), what
    for step, (ours, theirs) in enumerate(zip(page_values, native_values), start=1):
        assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=0), f"{what} at step {step}: {ours} != {theirs}"


@pytest.mark.smoke
def test_page_loads_from_dist_and_reaches_ready(new_driver, site):
    driver = new_driver(first_visit=True)
    page = driver.page
    page.goto(site)
    # Before Python is ready, the controls are disabled and say why.
    assert page.is_disabled("#train")
    assert "Waiting for Python" in page.text_content("#train-reason")
    assert page.is_disabled('input[name="source"][value="text"]')
    assert page.is_disabled("#setting-n_embd")
    assert page.is_visible('[data-stage="download"]')
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert page.is_hidden("#loading")
    assert page.text_content("#status") == "Ready"
    assert page.is_enabled("#train")
    assert "4,192 parameters" in page.text_content("#param-count")
    assert int(page.text_content('[data-stat="num_docs"]').replace(",", "")) > 1000
    assert len(page.query_selector_all("#data-examples li")) > 0
    assert "Pyodide 314" in page.text_content("#pyodide-version")
    assert driver.console_errors == []
    assert driver.foreign_requests() == []
    requested = {url.removeprefix(site) for url in driver.requests}
    assert {"pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", "manifest.json"} <= requested
    assert any(url.endswith(".whl") and "microgpt" in url for url in requested)
    assert any(url.endswith(".whl") and "micropip" in url for url in requested)
    # One Python: the worker python/early-start-control.js started before app.js loaded is the one app.js uses.
    assert [worker.url for worker in page.workers] == [site + "worker.js"]


def test_the_page_works_under_a_sub_path(new_driver, builder, tmp_path):
    """As on GitHub Pages (https://user.github.io/repo/): every path the page and worker use must be relative."""
    (tmp_path / "repo").symlink_to(builder.DIST)
    server = builder.serve(tmp_path)
    try:
        driver = new_driver(builder.url(server) + "repo/", first_visit=True)
        driver.open()
        assert driver.page.is_enabled("#train")
        assert driver.console_errors == []
        assert all(url.startswith(driver.base_url) for url in driver.requests)
    finally:
        server.shutdown()


def test_a_broken_deployment_says_what_is_missing(new_driver, builder, tmp_path):
    for entry in builder.DIST.iterdir():
        if entry.name != "wheels":
            (tmp_path / entry.name).symlink_to(entry)
    server = builder.serve(tmp_path)
    try:
        driver = new_driver(builder.url(server), first_visit=True)
        driver.page.goto(driver.base_url)
        driver.page.wait_for_selector("#loading-error:not([hidden])", timeout=90_000)
        message = driver.page.text_content("#loading-error")
        assert "Python could not start" in message and "404" in message
        assert "microgpt-" in message and "micropip-" in message
        assert driver.page.is_disabled("#train")
    finally:
        server.shutdown()


@pytest.mark.smoke
@pytest.mark.parametrize("engine, steps", [("fast", 50), ("scalar", 12)])
def test_training_in_the_page_equals_native_cpython(driver, engine, steps):
    driver.use_text("\n".join(SMALL_NAMES))
    driver.set_setting("num_steps", steps)
    driver.set_setting("seed", 42)
    driver.set_setting("eval_every", 5)
    driver.set_setting("engine", engine)
    driver.train("done")
    config = driver.state("summary.config")
    assert (config["engine"], config["num_steps"], config["seed"]) == (engine, steps, 42)
    page_events = driver.state("events")
    native = native_run(config, "\n".join(SMALL_NAMES))
    assert [e["step"] for e in page_events] == list(range(1, steps + 1))
    assert_close([e["loss"] for e in page_events], [e["loss"] for e in native], "loss")
    page_holdout = [e["holdout_loss"] for e in page_events if "holdout_loss" in e]
    native_holdout = [e["holdout_loss"] for e in native if "holdout_loss" in e]
    assert len(page_holdout) >= 2
    assert_close(page_holdout, native_holdout, "held-out loss")
    assert driver.page.text_content("#stat-step") == f"{steps} / {steps}"


def test_longer_training_draws_points_and_a_falling_smoothed_loss(driver):
    driver.use_builtin()
    driver.set_setting("num_steps", 200)
    driver.train("done")
    chart = driver.state("chart")
    assert chart["points"] == 200
    assert chart["drawn"] == 200
    vocab_size = driver.state("summary.vocab_size")
    assert chart["baseline"] == pytest.approx(math.log(vocab_size))
    smoothed = chart["smoothed"]
    assert sum(smoothed[-40:]) / 40 < sum(smoothed[10:50]) / 40 - 0.2
    assert smoothed[-1] < chart["baseline"]
    assert driver.page.is_hidden("#chart-empty")
    assert driver.page.is_visible("#chart canvas")
    held_out = driver.page.text_content("#stat-holdout")
    assert 1.0 < float(held_out) < chart["baseline"]
    assert driver.page.text_content("#stat-eta") == "done"


def test_pause_resume_and_stop_while_training(driver):
    driver.use_builtin()
    driver.set_setting("num_steps", 100000)
    driver.train(wait_for="training")
    driver.wait_step(30)
    assert driver.page.text_content("#stat-eta") not in ("–", "done")
    started = time.perf_counter()
    driver.page.click("#pause")
    driver.wait_phase("paused", timeout=5_000)
    assert time.perf_counter() - started < 3, "the page must answer Pause within a few chunks"
    paused_at = len(driver.state("events"))
    driver.page.wait_for_timeout(400)
    assert len(driver.state("events")) == paused_at
    # One button: its name says Resume now, and the same button resumes.
    assert driver.page.is_enabled("#pause") and driver.page.text_content("#pause") == "Resume"
    assert driver.page.get_by_role("button", name="Resume").count() == 1

    samples_while_paused = driver.generate()
    assert len(samples_while_paused) == 20

    driver.page.click("#pause")
    driver.wait_phase("training")
    assert driver.page.text_content("#pause") == "Pause"
    driver.wait_step(paused_at + 20)
    steps = [event["step"] for event in driver.state("events")]
    assert steps == list(range(1, len(steps) + 1)), "resuming continues the same run"

    driver.page.click("#stop")
    driver.wait_phase("stopped", timeout=5_000)
    assert driver.page.is_disabled("#pause")
    assert driver.page.text_content("#train") == "Train new model"
    vocab = set(driver.state("summary.vocab"))
    samples = driver.generate()
    assert len(samples) == 20
    assert all(set(name) <= vocab for name in samples)
    assert any(samples)


def test_samples_are_reproducible_for_a_fixed_seed(driver):
    driver.use_builtin()
    driver.set_setting("num_steps", 30)
    driver.train("done")
    driver.set_setting("sample_seed", 7)
    first = driver.generate()
    second = driver.generate()
    assert first == second
    driver.set_setting("sample_seed", 8)
    assert driver.generate() != first
    # Python judges the sampling seed like every setting: the field says what is wrong, Generate waits for a fix.
    driver.set_setting("sample_seed", -3)
    assert "sample_seed: -3 is too small" in driver.page.text_content("#setting-sample_seed-error")
    assert driver.page.is_disabled("#generate")
    assert "Fix the sampling settings" in driver.page.text_content("#sample-reason")
    driver.set_setting("sample_seed", 7)
    assert driver.generate() == first
    driver.set_setting("prefix", "ma")
    driver.set_setting("num_samples", 5)
    with_prefix = driver.generate()
    assert len(with_prefix) == 5 and all(name.startswith("ma") for name in with_prefix)
    # A prefix the data cannot make is found as it is typed, like every setting: Generate waits for a fix.
    driver.set_setting("prefix", "Ma!")
    assert "not in the vocabulary" in driver.page.text_content("#setting-prefix-error")
    assert driver.page.is_disabled("#generate")


def test_train_on_a_pasted_dataset(driver):
    driver.use_text("abab\nbaba\naabb\nbbaa\nabba\nbaab\nab\nba\n")
    assert driver.page.text_content('[data-stat="num_docs"]') == "8"
    assert driver.page.text_content('[data-stat="vocab_size"]') == "3 tokens"
    driver.set_setting("num_steps", 30)
    driver.train("done")
    samples = driver.generate()
    assert samples and all(set(name) <= {"a", "b"} for name in samples)


def test_previewing_other_data_after_stop_keeps_the_model(driver):
    driver.use_builtin()
    driver.set_setting("num_steps", 40)
    driver.train("done")
    vocab = set(driver.state("summary.vocab"))
    driver.use_text("abab\nbaba\naabb\nbbaa\n")
    assert driver.page.text_content('[data-stat="num_docs"]') == "4"
    assert driver.state("phase") == "done", "looking at other data does not let the trained model go"
    samples = driver.generate()
    assert len(samples) == 20 and set("".join(samples)) <= vocab and set("".join(samples)) - {"a", "b"}
    driver.train("done")
    assert driver.state("summary.vocab") == "ab", "Train new model uses the data now shown"


def test_upload_a_text_file(driver, tmp_path):
    path = tmp_path / "pets.txt"
    path.write_text("rex\nfido\nspot\nmax\nbella\nluna\ncharlie\n", encoding="utf-8")
    driver.page.click('label:has(input[name="source"][value="file"])')
    driver.page.set_input_files("#upload-file", str(path))
    driver.wait_checked()
    assert driver.page.text_content('[data-stat="num_docs"]') == "7"
    assert driver.page.is_enabled("#train")


def test_bad_data_shows_a_message_and_disables_training(driver):
    driver.use_text("onlyone\n")
    message = driver.page.text_content("#data-message")
    assert "only 1 document" in message
    assert driver.page.is_disabled("#train")
    driver.use_text(string.whitespace)
    assert driver.page.is_disabled("#train")
    driver.use_builtin()
    assert driver.page.is_enabled("#train")


def test_invalid_hyperparameter_shows_its_message_and_disables_train(driver):
    driver.use_builtin()
    driver.set_setting("n_embd", 30)
    error = driver.page.locator('[data-field="n_embd"] .field-error')
    assert "not divisible by n_head" in error.text_content()
    assert error.is_visible()
    assert driver.page.get_attribute("#setting-n_embd", "aria-invalid") == "true"
    assert driver.page.is_disabled("#train")
    assert "Fix the settings" in driver.page.text_content("#train-reason")
    driver.set_setting("n_embd", 32)
    assert driver.page.is_enabled("#train")
    assert "parameters" in driver.page.text_content("#param-count")
    driver.set_setting("learning_rate", "fast")
    assert "learning_rate" in driver.page.text_content('[data-field="learning_rate"] .field-error')
    assert driver.page.is_disabled("#train")
    driver.set_setting("learning_rate", 0.01)
    driver.set_setting("n_embd", 16)
    assert driver.page.is_enabled("#train")


def test_keyboard_alone_can_train(driver):
    driver.use_builtin()
    driver.set_setting("num_steps", 20)
    driver.page.focus("#setting-num_steps")
    for _ in range(60):      # back up the page, from step 3's settings to step 1's Train
        driver.page.keyboard.press("Shift+Tab")
        if driver.page.evaluate("document.activeElement.id") == "train":
            break
    assert driver.page.evaluate("document.activeElement.id") == "train"
    driver.page.keyboard.press("Enter")
    driver.wait_phase("done")


def test_a_hung_worker_is_noticed_and_replaced_and_settings_are_kept(driver):
    driver.set_setting("n_layer", 2)
    # A worker that silently died looks hung: the next request gets no reply, and the watchdog must notice.
    driver.page.evaluate("""() => {
        const client = window.__microgpt.client;
        client.worker.terminate();
        client.request("state", {}, { timeoutMs: 500 }).catch(() => {});
    }""")
    driver.page.wait_for_selector("#banner:not([hidden])", timeout=5_000)
    banner = driver.page.text_content("#banner")
    assert "stopped responding" in banner and "settings are kept" in banner
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert driver.page.input_value("#setting-n_layer") == "2"
    assert driver.page.is_enabled("#train")


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])
def test_layout_fits_phone_and_desktop_without_sideways_scrolling(driver, width, height):
    driver.page.set_viewport_size({"width": width, "height": height})
    driver.page.wait_for_timeout(100)
    assert driver.page.evaluate("document.documentElement.scrollWidth") <= width
    chart_width, box_width = driver.page.evaluate("""() => [
        document.querySelector("#chart canvas").getBoundingClientRect().width,
        document.querySelector("#chart").getBoundingClientRect().width]""")
    assert 0.95 * box_width <= chart_width <= box_width, "the chart fills its card"
    unlabeled = driver.page.evaluate("""() => [...document.querySelectorAll("input, select, textarea, button")]
        .filter((element) => !(element.labels?.length || element.getAttribute("aria-label") || element.textContent.trim()
          || document.getElementById(element.getAttribute("aria-labelledby") ?? "")?.textContent.trim()))
        .map((element) => element.id || element.name)""")
    assert unlabeled == []


def test_no_console_errors_and_no_request_left_localhost(driver):
    assert driver.console_errors == []
    assert driver.foreign_requests() == []
