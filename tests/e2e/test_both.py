"""Train both, end to end in Chromium: the run on screen stopped early, a setting changed since, and Train both trains
that run's settings to the end beside the new ones. Side by side (a second worker, forced with `?workers=2`, which this
machine's two cores would give too) the new run trains in the page's worker and becomes the model, the previous
settings train in the extra worker as the Training chart's ghost, named by what changed; both end in the run list, each
with exactly the losses it has when trained alone. Stop stops both. With one worker (`?workers=1`) they train one after
another, previous settings first, and the page says so. A run that took all its steps is not offered Train both."""

from tests.e2e.conftest import PageDriver
from tests.e2e.test_arms import arm_workers, snapshot_stored

TINY = {"n_embd": 8, "n_head": 2, "block_size": 8, "eval_every": 50, "eval_docs": 20, "num_samples": 5}


def open_page(new_driver, query, driver=None):
    driver = driver or new_driver()
    driver.page.goto(f"{driver.base_url}{query}")
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    snapshot_stored(driver.page)
    driver.use_builtin()
    for name, value in TINY.items():
        driver.set_setting(name, value)
    return driver


def stop_early(driver, **settings):
    """Train with these settings and stop a few steps in: the run Train both offers to train to the end."""
    for name, value in settings.items():
        driver.set_setting(name, value)
    before = len(driver.state("runs"))
    driver.train(wait_for="training")
    driver.wait_step(3)
    driver.page.click("#stop")
    driver.wait_phase("stopped")
    driver.page.wait_for_function("n => window.__microgpt.runs.length > n", arg=before)
    assert driver.state("events.at(-1).step") < settings.get("num_steps", driver.state("summary.config.num_steps"))


def train_both(driver):
    driver.page.wait_for_selector("#both-offer:not([hidden])")
    driver.page.click("#train-both")


def both_over(driver, runs, timeout=180_000):
    """Wait until Train both is over and both its runs are in the list (with their names); returns the new records."""
    driver.page.wait_for_function("""n => !window.__microgpt.both.active && window.__microgpt.runs.length >= n + 2
        && window.__microgpt.runs.slice(n).every((run) => run.samples.length || run.diverged)""", arg=runs,
                                  timeout=timeout)
    return driver.state("runs")[runs:]


def train_alone(driver, **settings):
    for name, value in settings.items():
        driver.set_setting(name, value)
    before = len(driver.state("runs"))
    driver.train("done")
    driver.page.wait_for_function("n => window.__microgpt.runs.length > n", arg=before)
    return driver.state("runs")[-1]


def test_train_both_side_by_side_equals_each_run_alone(new_driver):
    driver = open_page(new_driver, "?workers=2")
    page = driver.page
    stop_early(driver, num_steps=150, learning_rate=0.01)
    driver.set_setting("learning_rate", 0.02)
    offer = page.text_content("#both-offer-text")
    assert offer.startswith("Your run stopped at step ") and " of 150. Train both trains its settings" in offer, offer
    runs = len(driver.state("runs"))
    train_both(driver)
    page.wait_for_function("window.__microgpt.both.live >= 3 && window.__microgpt.phase === 'training'",
                           timeout=120_000)
    assert arm_workers(page) == ["arm 1"]
    assert driver.state("both.parallel") is True
    assert "side by side" in page.text_content("#both-text")
    page.wait_for_function("window.__microgpt.chart.ghost?.points >= 3")
    assert driver.state("chart.ghost.label") == "previous settings: learning_rate 0.01 → 0.02"
    assert page.is_hidden("#both-offer")
    # The second worker crashes under the previous settings: it is restarted and they train again from the start, the
    # page's run going on.
    killed = next(worker for worker in page.workers if worker.evaluate("self.name") == "arm 1")
    killed.evaluate("setTimeout(() => { throw new Error('killed by the test'); }); null")
    kept = both_over(driver, runs)
    previous, mine = sorted(kept, key=lambda run: run["config"]["learning_rate"])
    assert previous["config"]["learning_rate"] == 0.01 and mine["config"]["learning_rate"] == 0.02
    assert len(previous["curve"]) == 150 and len(mine["curve"]) == 150
    # The new settings' run is the model: what the page holds, samples and keeps.
    assert driver.state("summary.config.learning_rate") == 0.02 and driver.state("phase") == "done"
    assert driver.state("both.alive") == 0 and arm_workers(page) == []
    status = page.text_content("#both-text")
    assert status.startswith("Trained both side by side; the previous settings finished and are kept in the run "
                             "list. Their worker was lost (the Python worker crashed (") and "killed by the test" in \
        status and status.endswith("so they were trained again from the start in a new one."), status

    assert driver.state("chart.ghost.points") == 150 and driver.state("chart.ghost.drawn") == 150, \
        "the previous settings stay as the ghost, drawn to the end"
    # Each alone, in the page's worker: the same losses, held-out losses and names, bit for bit.
    alone_mine = train_alone(driver)
    assert page.is_hidden("#both-status"), "the next run clears what Train both said"
    assert alone_mine["curve"] == mine["curve"] and alone_mine["samples"] == mine["samples"]
    alone_previous = train_alone(driver, learning_rate=0.01)
    assert alone_previous["curve"] == previous["curve"] and alone_previous["samples"] == previous["samples"]
    # A run that took all its steps is not offered Train both: its settings would give its curve again.
    driver.set_setting("learning_rate", 0.03)
    assert page.is_hidden("#both-offer")
    assert driver.console_errors == []


def test_pause_and_stop_act_on_both(new_driver):
    driver = open_page(new_driver, "?workers=2")
    page = driver.page
    stop_early(driver, num_steps=3000, learning_rate=0.01)
    driver.set_setting("num_steps", 2500)
    runs = len(driver.state("runs"))
    train_both(driver)
    page.wait_for_function("window.__microgpt.both.live >= 5 && window.__microgpt.events.length >= 5",
                           timeout=120_000)
    page.wait_for_function("window.__microgpt.chart.ghost?.points >= 5")
    assert driver.state("chart.ghost.label") == "previous settings: num_steps 3000 → 2500"
    # Pause holds both (each ends its chunk), Resume goes on with both.
    page.click("#pause")
    driver.wait_phase("paused")
    page.wait_for_function("window.__microgpt.both.companion === 'paused'")
    page.wait_for_timeout(1000)
    held = driver.state("both.live"), len(driver.state("events"))
    page.wait_for_timeout(1000)
    assert (driver.state("both.live"), len(driver.state("events"))) == held, "a run trained on while paused"
    page.click("#pause")
    page.wait_for_function("([side, mine]) => window.__microgpt.both.live > side && window.__microgpt.events.length "
                           "> mine", arg=list(held), timeout=60_000)
    page.click("#stop")
    kept = both_over(driver, runs, timeout=60_000)
    assert driver.state("phase") == "stopped"
    assert driver.state("both.last.side.state") == "stopped"
    assert all(len(run["curve"]) < run["config"]["num_steps"] for run in kept), "both stopped part-way"
    ghost = driver.state("chart.ghost.points")
    page.wait_for_timeout(1000)
    assert driver.state("chart.ghost.points") == ghost and arm_workers(page) == []
    assert page.is_enabled("#train") and page.is_disabled("#stop")
    assert driver.console_errors == []


def test_one_worker_trains_them_one_after_another_and_says_so(new_driver):
    driver = open_page(new_driver, "?workers=1")
    page = driver.page
    stop_early(driver, num_steps=100, learning_rate=0.01)
    driver.set_setting("learning_rate", 0.02)
    runs = len(driver.state("runs"))
    train_both(driver)
    page.wait_for_selector("#both-status:not([hidden])")
    assert page.text_content("#both-text") == "Training both one after another (the address asks for one " \
        "worker (?workers=1)): first the previous settings, then yours."
    kept = both_over(driver, runs)
    assert [run["config"]["learning_rate"] for run in kept] == [0.01, 0.02]
    assert arm_workers(page) == []
    assert driver.state("summary.config.learning_rate") == 0.02
    assert driver.state("chart.ghost.label") == "previous run: learning_rate 0.01 → 0.02"
    assert page.text_content("#both-text").startswith("Trained both one after another")


def test_an_extra_worker_that_cannot_start_leaves_both_to_the_pages_worker_which_says_so(browser, site):
    # No service worker, so that the test's route sees the workers' script requests.
    context = browser.new_context(service_workers="block", bypass_csp=True)
    try:
        driver = open_page(None, "?workers=2", PageDriver(context.new_page(), site))
        page = driver.page
        stop_early(driver, num_steps=100, learning_rate=0.01)
        driver.set_setting("learning_rate", 0.02)
        runs = len(driver.state("runs"))
        page.route("**/worker.js*", lambda route: route.abort())     # the page's worker is up; no other can load
        train_both(driver)
        kept = both_over(driver, runs)
        assert [run["config"]["learning_rate"] for run in kept] == [0.01, 0.02]
        assert driver.state("summary.config.learning_rate") == 0.02
        status = page.text_content("#both-text")
        assert status.startswith("Trained both one after another (the extra workers could not start Python ("), status
        assert arm_workers(page) == [] and driver.state("both.alive") == 0
    finally:
        context.close()
