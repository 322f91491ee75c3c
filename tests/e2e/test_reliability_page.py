"""Reliability of the page: a Content-Security-Policy with no violation, files and links from anyone, divergence shown
as a result, Pause heard in the middle of a long held-out evaluation, and a dead or stuck worker noticed in seconds
and replaced with the last model restored."""

import json
import math
import time

import pytest

from microgpt.session import Session
from tests.e2e.test_arms import skip_and_run

# Collects every CSP violation the page reports, from the first script on.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`));
"""


def wait_until(page, expression, timeout_s=120):
    """Poll with page.evaluate, which the page's CSP allows (wait_for_function evaluates with eval: forbidden)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def test_the_page_runs_under_its_content_security_policy_with_no_violation(new_driver, site):
    driver = new_driver(site + "#num_steps=20", bypass_csp=False, first_visit=True)
    page = driver.page
    page.add_init_script(WATCH_CSP)
    page.goto(driver.base_url)
    wait_until(page, "window.__microgpt && window.__microgpt.phase === 'idle' && window.__microgpt.idle")
    policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "unsafe-inline" not in policy
    assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    page.click("#train")
    wait_until(page, "window.__microgpt.phase === 'done'")
    page.click("#generate")
    wait_until(page, "window.__microgpt.sampleCount > 0")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#copy-embed")                      # builds the snippet's iframe (with a style attribute)
    wait_until(page, "document.querySelector('#share-output').value.startsWith('<iframe')")
    assert page.evaluate("window.__cspViolations") == [] and driver.console_errors == []


def test_the_embed_runs_under_the_policy_with_no_violation(new_driver, site):
    driver = new_driver(site + "#embed&num_steps=10", bypass_csp=False, first_visit=True)
    page = driver.page
    page.add_init_script(WATCH_CSP)
    page.goto(driver.base_url)
    assert page.evaluate("document.documentElement.classList.contains('embed')")
    wait_until(page, "window.__microgpt && window.__microgpt.idle && !document.getElementById('train').disabled")
    page.click("#train")
    wait_until(page, "window.__microgpt.phase === 'done'")
    assert page.evaluate("window.__cspViolations") == [] and driver.console_errors == []


def test_a_file_that_is_not_utf8_is_refused_as_the_cli_refuses_it(driver):
    driver.page.click('label:has(input[name="source"][value="file"])')
    driver.page.set_input_files("#upload-file", files=[
        {"name": "latin1.txt", "mimeType": "text/plain", "buffer": "andré\nzoë\n".encode("latin-1")}])
    driver.page.wait_for_selector("#data-message.error:not([hidden])")
    assert driver.page.text_content("#data-message") == \
        "latin1.txt: not UTF-8 text; save it as UTF-8 and upload it again"
    assert not driver.page.is_enabled("#train")
    driver.page.set_input_files("#upload-file", files=[
        {"name": "bom.txt", "mimeType": "text/plain", "buffer": b"\xef\xbb\xbfab\nba\n"}])
    driver.wait_checked()
    assert driver.page.is_hidden("#data-message") or "error" not in driver.page.get_attribute("#data-message", "class")
    assert "3" in driver.page.text_content("#data-stats")          # a, b and the end token: no U+FEFF
    driver.use_builtin()


def test_a_link_with_150000_keys_gives_the_notice_and_a_cleaned_hash(new_driver, site):
    driver = new_driver(site + "#" + "&".join(f"k{i}=1" for i in range(150_000)) + "&n_layer=2")
    driver.open()
    driver.page.wait_for_selector("#link-notice:not([hidden])")
    items = driver.page.eval_on_selector_all("#link-notice-list li", "items => items.map(i => i.textContent)")
    assert len(items) == 21 and items[-1] == "… and 149,980 more"
    assert driver.page.input_value("#setting-n_layer") == "2"
    driver.page.wait_for_function("location.hash === '#n_layer=2'")


def test_divergence_is_shown_as_a_result_with_a_marked_curve(driver):
    driver.set_setting("learning_rate", 1)
    driver.train(wait_for="stopped")
    message = driver.page.text_content("#train-message")
    assert message.startswith("training diverged at step ") and "(try ≤ 0.1)" in message
    assert "ValueError" not in message and "Traceback" not in message
    step = int(message.split("step ")[1].split(" ")[0])
    assert [e["step"] for e in driver.state("events")] == list(range(1, step))
    marked = driver.state("chart")["diverged"]
    assert marked["step"] == step and marked["loss"] > 3
    assert len(driver.generate()) == 20                     # the last finite model is kept and samples
    driver.page.locator("#train-message").scroll_into_view_if_needed()
    driver.page.screenshot(path="/tmp/reliability-diverged.png")
    driver.set_setting("learning_rate", 0.01)


def test_the_cost_of_a_step_is_shown_and_a_too_costly_model_refused(driver):
    assert "a run here" in driver.page.text_content("#param-count")
    driver.set_setting("engine", "scalar")
    driver.set_setting("n_embd", 128)
    error = driver.page.text_content('[data-field="n_embd"] .field-error')
    assert error.startswith("cost: one training step of this scalar-engine model would need about")
    assert not driver.page.is_enabled("#train")
    driver.set_setting("engine", "fast")
    driver.set_setting("n_embd", 16)


def shoot(driver, selector, stem):
    """Screenshots of what `selector` shows, 1280 and 390 wide (/tmp/<stem>-<width>.png), for a person to look at."""
    for width in (1280, 390):
        driver.page.set_viewport_size({"width": width, "height": 800})
        driver.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        driver.page.locator(selector).scroll_into_view_if_needed()
        driver.page.screenshot(path=f"{stem}-{width}.png")
    driver.page.set_viewport_size({"width": 1280, "height": 800})


def test_a_model_too_big_for_the_page_is_refused_when_typed_and_a_checkpoint_too_big_keeps_the_model(driver, tmp_path):
    """The page holds less than the CLI (microgpt/cost.py PAGE_MAX_PARAMS): a model it could not save, load or sample
    is refused in the settings check with its size, and a checkpoint too big for it is refused, before it is parsed,
    with its size, the limit and the CLI's command, the page's model kept."""
    driver.set_setting("num_steps", 10)
    driver.train()
    before = driver.state("summary")
    # A valid checkpoint (the page's own) padded past the page's limit with white space, which JSON allows.
    path = tmp_path / "big.json"
    text = driver.state("latest.checkpoint") + " " * 40_500_000
    path.write_text(text)
    driver.page.set_input_files("#model-file", str(path))
    driver.page.wait_for_selector("#model-message:not([hidden])", timeout=60_000)
    driver.wait_checked()
    message = driver.page.text_content("#model-message")
    assert message.startswith(f"big.json: a checkpoint of {len(text) / 1e6:.3g} MB is more than the 40 MB the page can "
                              "load (a model of up to 500,000 parameters); your model here is kept."), message
    assert message.endswith("with the command line: python -m microgpt sample --checkpoint big.json")
    assert driver.state("phase") == "done" and driver.state("summary") == before
    shoot(driver, "#model", "/tmp/bigmodel-load")
    driver.set_setting("n_embd", 256)
    driver.set_setting("n_layer", 2)
    error = driver.page.locator('[data-field="n_embd"] .field-error')
    assert error.is_visible() and error.text_content().startswith(
        "page limit: 1,590,784 parameters is more than the 500,000 the page can hold (its checkpoint, about 100 MB, "
        "would not fit in the browser's memory)")
    assert not driver.page.is_enabled("#train")
    shoot(driver, '[data-field="n_embd"]', "/tmp/bigmodel-settings")


def test_a_prefix_outside_the_vocabulary_is_found_when_typed_not_after_training(driver):
    driver.use_builtin()
    driver.set_setting("prefix", "Z")
    error = driver.page.locator('[data-field="prefix"] .field-error')
    assert error.is_visible() and error.text_content().startswith("prefix: 'Z' not in the vocabulary; allowed "
                                                                  "characters are 'abcdefghijklmnopqrstuvwxyz'")
    assert driver.page.get_attribute("#setting-prefix", "aria-invalid") == "true"
    assert driver.state("events.length") == 0
    driver.set_setting("prefix", "z")
    assert error.is_hidden()


def test_a_worker_killed_while_training_is_noticed_in_seconds_and_the_model_restored(driver):
    driver.set_setting("num_steps", 100000)
    driver.train(wait_for=None)
    driver.page.wait_for_function("window.__microgpt.lastModelStep > 0", timeout=60_000)
    driver.page.evaluate("window.__microgpt.client.worker.terminate()")     # dead, as after running out of memory
    killed_at = time.monotonic()
    driver.page.wait_for_selector("#banner:not([hidden])", timeout=15_000)
    noticed_after = time.monotonic() - killed_at
    saved = driver.state("lastModelStep")
    banner = driver.page.text_content("#banner")
    assert "settings are kept" in banner and f"the model comes back as it was at step {saved}" in banner
    # It comes back as it was, paused and resumable (the checkpoint holds the random stream's state).
    driver.wait_phase("paused", timeout=120_000)
    assert driver.state("summary")["step"] == saved
    # The curve is cut at the restored step: its event, or the one before when the save came while that step's
    # held-out evaluation was under way (its event never came: that worker is gone).
    assert saved - 1 <= driver.state("events")[-1]["step"] <= saved
    assert driver.page.input_value("#setting-num_steps") == "100000"
    assert len(driver.generate()) == 20
    # What this browser keeps is that model too: a reload brings back the same step, not an older one.
    driver.page.reload()
    driver.wait_phase("paused", timeout=90_000)
    driver.wait_checked()
    assert driver.state("summary")["step"] == saved
    driver.page.click("#pause")
    driver.wait_phase("training")
    driver.page.wait_for_function("n => window.__microgpt.events.at(-1).step > n", arg=saved, timeout=30_000)
    print(f"worker loss noticed after {noticed_after:.1f} s")


def test_pause_is_heard_inside_a_long_evaluation_and_step_once_finishes_it(driver):
    """A held-out evaluation of 300 names takes seconds in the page; it runs in chunks like training, so Pause lands
    in the middle of it: step 2 is taken, its event (with the held-out loss) still to come. Step once finishes that
    evaluation, then takes step 3. The losses are native CPython's."""
    settings = {"n_embd": 32, "num_steps": 3, "eval_every": 2, "eval_docs": 300}
    driver.use_builtin()
    for name, value in settings.items():
        driver.set_setting(name, value)
    driver.train(wait_for=None)
    driver.wait_step(1)
    driver.page.click("#pause")
    driver.wait_phase("paused")
    assert [event["step"] for event in driver.state("events")] == [1]
    assert driver.page.text_content("#stat-step") == "2 / 3"
    driver.page.click("#step-once")
    driver.wait_phase("done")
    events = driver.state("events")
    assert [event["step"] for event in events] == [1, 2, 3]
    session = Session()
    session.handle("configure", json.dumps({"config": driver.state("summary.config"), "data": {"source": "builtin"}}))
    native = json.loads(session.handle("train", json.dumps({"budget_ms": 10_000})))["events"]
    for ours, theirs in zip(events, native, strict=True):
        assert ours.keys() >= {"step", "loss"} and ("holdout_loss" in ours) == ("holdout_loss" in theirs)
        for key in ("loss", "holdout_loss"):
            if key in theirs:
                assert math.isclose(ours[key], theirs[key], rel_tol=1e-9, abs_tol=0), (ours, theirs)
    assert [event["step"] for event in events if "holdout_loss" in event] == [2, 3]


def kill_worker(page):
    """The worker dies as after running out of memory: no message, no error event; only a deadline can tell."""
    page.evaluate("window.__microgpt.client.worker.terminate()")
    return time.monotonic()


def test_a_worker_lost_in_step_once_or_sampling_is_noticed_in_seconds_and_the_run_resumes(driver):
    """Step once after many steps keeps the model after that step; a worker lost in the next Step once brings that
    model back paused (Resume works, the step is the one this browser kept). A worker lost while sampling is noticed
    in seconds, not after 20."""
    page = driver.page
    steps = 200         # the pause lands wherever the run is when it is heard (under load, tens of steps on): three
    driver.set_setting("num_steps", steps)      # Step once must be left after it
    driver.train(wait_for=None)
    driver.wait_step(3)
    page.click("#pause")
    driver.wait_phase("paused")
    assert driver.state("events")[-1]["step"] <= steps - 3
    for _ in range(2):
        before = len(driver.state("events"))
        page.click("#step-once")
        page.wait_for_function("n => window.__microgpt.events.length > n && "
                               "!document.querySelector('#step-once').disabled", arg=before)
    page.wait_for_function("window.__microgpt.lastModelStep === window.__microgpt.events.at(-1).step")
    kept = driver.state("lastModelStep")
    killed_at = kill_worker(page)
    page.click("#step-once")
    # Step once's deadline allows for its step and two held-out evaluations (recovery.js): ~20 s here.
    page.wait_for_selector("#banner:not([hidden])", timeout=45_000)
    assert time.monotonic() - killed_at < 40         # a save of the step may be pending: its deadline is 30 s
    assert f"the model comes back as it was at step {kept}" in page.text_content("#banner")
    driver.wait_phase("paused", timeout=120_000)
    assert driver.state("summary.step") == kept and driver.state("events")[-1]["step"] == kept
    assert page.is_enabled("#pause") and page.text_content("#pause") == "Resume" and page.is_enabled("#step-once")
    page.click("#pause")
    driver.wait_phase("done")
    assert [event["step"] for event in driver.state("events")] == list(range(1, steps + 1))
    # A finished run samples at once and is saved: the worker is killed once nothing else is asked of it.
    page.wait_for_function("!document.querySelector('#generate').disabled && window.__microgpt.idle && "
                           "window.__microgpt.client.pending.size === 0")

    killed_at = kill_worker(page)
    page.click("#generate")
    page.wait_for_selector("#sample-message:not([hidden])", timeout=10_000)
    assert time.monotonic() - killed_at < 8
    assert 'no reply to "sample" in 5 s' in page.text_content("#sample-message")
    assert f"the model comes back as it was at step {steps}" in page.text_content("#banner")
    driver.wait_phase("done", timeout=120_000)
    assert len(driver.generate()) == 20


def test_a_worker_lost_during_an_experiment_arm_is_noticed_in_seconds_and_the_arm_named(new_driver, site):
    """Arms trained one after another in the page's worker (`?workers=1`; extra workers are test_arms.py's): the arm
    in training is named, the arm that finished is kept, Train and Run come back, and Run again trains only the
    missing arm."""
    driver = new_driver(site + "?workers=1")
    driver.open()
    page = driver.page
    page.select_option("#experiment-select", "layers")
    skip_and_run(page)
    page.wait_for_function("(window.__microgpt.experiment.live['n_layer 2'] ?? 0) >= 5", timeout=120_000)
    killed_at = kill_worker(page)
    page.wait_for_function("document.querySelector('#experiment-status').textContent.startsWith("
                           "'The experiment stopped at')", timeout=20_000)
    assert time.monotonic() - killed_at < 13
    status = page.text_content("#experiment-status")
    assert status.startswith("The experiment stopped at n_layer 2: the Python worker stopped responding") and \
        status.endswith("The arm that finished is kept; Run it again to train what is missing."), status
    driver.wait_phase("idle", timeout=120_000)
    driver.wait_checked()
    page.wait_for_function("!document.querySelector('#train').disabled")
    assert page.is_enabled("#experiment-run")
    skip_and_run(page)
    page.wait_for_function("document.querySelector('#experiment-status').textContent.startsWith('Done')",
                           timeout=120_000)
    assert page.text_content("#experiment-status") == "Done; reused: one arm was run before."
    assert page.get_attribute("#experiment-chart", "data-curves") == "2"
