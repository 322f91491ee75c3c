"""An experiment's arms in parallel workers, end to end: trained side by side (one worker per arm, the page's own and
extra ones, forced with the page's `?workers=N` switch: this machine's two cores would give two workers) they give
exactly the losses and names of the same arms trained one after another in the page's worker; Pause and Stop act on
every arm; a worker killed during the experiment (an extra one, or the page's own) is restarted, its arm trained again,
the other arms go on; the extra workers end with the experiment."""

import time

from tests.e2e.conftest import PageDriver
from tests.e2e.test_learn import outcome_shown

LABELS = ["block_size 16", "block_size 4", "block_size 1"]


def snapshot_stored(page, timeout=60):
    """Wait for the page's worker to have stored its memory snapshot (after `ready`, on a first visit)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate("caches.open('microgpt-snapshot').then((cache) => cache.keys())"
                            ".then((keys) => keys.length > 0)"):
        assert time.monotonic() < deadline, "no memory snapshot stored"
        time.sleep(0.2)


def arm_workers(page):
    """The names of the page's extra workers alive ("arm 1", …); the page's own worker has no name."""
    return sorted(name for worker in page.workers if (name := worker.evaluate("self.name")))


def wait_live(page, arms, steps=5):
    """Wait until `arms` trainings are under way, each past `steps` events."""
    page.wait_for_function("([arms, steps]) => Object.values(window.__microgpt.experiment.live)"
                           ".filter((n) => n >= steps).length >= arms", arg=[arms, steps], timeout=120_000)


def open_experiment(driver, query, experiment):
    driver.page.goto(f"{driver.base_url}{query}#experiment={experiment}")
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()


def run_context(driver, query):
    open_experiment(driver, query, "context")
    skip_and_run(driver.page)


def skip_and_run(page):
    page.check("#experiment-choices input[value='skip']")
    page.click("#experiment-run")


def finish(driver):
    outcome_shown(driver.page)
    driver.wait_phase("idle")
    return driver.state("experiment.arms")


def page_worker(page):
    """The page's own worker (it has no name)."""
    return next(worker for worker in page.workers if not worker.evaluate("self.name"))


def kill(worker):
    worker.evaluate("setTimeout(() => { throw new Error('killed by the test'); }); null")


def test_arms_in_parallel_equal_arms_one_after_another_through_a_pause_and_killed_workers(new_driver):
    driver = new_driver()
    page = driver.page
    driver.open()
    snapshot_stored(page)
    # Side by side on three workers (the page's, which takes the first arm at once, and two extra ones), with a pause
    # on the way, then the page's worker and an extra one killed under their arms.
    run_context(driver, "?workers=3")
    wait_live(page, 3)
    assert driver.state("experiment.plan") == {"workers": 3, "note": ""}
    assert arm_workers(page) == ["arm 1", "arm 2"]
    assert "side by side (3 workers" in page.text_content("#experiment-status")
    page.click("#experiment-pause")
    page.wait_for_selector("#experiment-pause:has-text('Resume')")
    time.sleep(1)       # the chunks under way end
    paused = driver.state("experiment.live")
    time.sleep(1)
    assert driver.state("experiment.live") == paused, "an arm trained on while paused"
    assert page.text_content("#experiment-status").startswith("Paused: every arm stops")
    page.click("#experiment-pause")
    extra = next(worker for worker in page.workers if worker.evaluate("self.name") == "arm 2")
    main = page_worker(page)
    kill(extra)
    kill(main)
    # The page restores its worker as for any run, and is ready (Train free) while the other arms still train.
    driver.wait_phase("loading", "starting", "idle")
    driver.wait_phase("idle", timeout=90_000)
    page.wait_for_selector("#train:enabled")
    assert driver.state("experiment.running"), "the experiment ended before the page's worker was back"
    parallel = finish(driver)
    assert list(parallel) == LABELS
    status = page.text_content("#experiment-status")
    again = " was trained again from the start: the Python worker crashed ("
    assert status.startswith("Done. ") and f"block_size 16{again}" in status and status.count(again) == 2 and \
        status.count("killed by the test") == 2, status
    page.wait_for_function("window.__microgpt.experiment.alive === 0")
    deadline = time.monotonic() + 10
    while arm_workers(page):
        assert time.monotonic() < deadline, f"extra workers still alive: {arm_workers(page)}"
        time.sleep(0.2)
    # The page's worker came back and the page is usable: it trains.
    assert driver.state("phase") == "idle"
    driver.train(wait_for=None)
    driver.wait_step(3)
    page.click("#stop")
    driver.wait_phase("stopped")

    # One after another, in the page's worker.
    run_context(driver, "?workers=1")
    wait_live(page, 1)
    assert arm_workers(page) == []
    sequential = finish(driver)
    assert page.text_content("#experiment-status") == "Done."
    assert driver.state("experiment.plan") == {"workers": 1, "note": ""}
    assert sequential == parallel          # every loss and every name, bit for bit
    assert all(len(arm["losses"]) == 300 and len(arm["samples"]) == 20 for arm in parallel.values())
    assert driver.console_errors == []


def test_stop_ends_every_arm_and_keeps_none_half_trained(new_driver):
    driver = new_driver()
    page = driver.page
    driver.open()
    snapshot_stored(page)
    open_experiment(driver, "?workers=2", "layers")
    skip_and_run(page)
    wait_live(page, 2)
    assert arm_workers(page) == ["arm 1"]      # the page's worker trains the other arm
    # The longer training (two layers) first, on the page's worker, whose Python is up: it does not wait for a start.
    assert list(driver.state("experiment.live")) == ["n_layer 2", "n_layer 1"]
    page.click("#experiment-stop")
    driver.wait_phase("idle")
    assert page.text_content("#experiment-status") == \
        "Stopped: 0 of 2 trainings finished; Run experiment trains the rest."
    assert page.is_hidden("#experiment-outcome-block") and page.is_hidden("#experiment-stop")
    assert driver.state("experiment.arms") == {} and driver.state("experiment.alive") == 0
    assert driver.console_errors == []


def test_without_a_memory_snapshot_the_arms_train_one_at_a_time_and_the_page_says_why(new_driver):
    driver = new_driver()
    page = driver.page
    driver.open()
    snapshot_stored(page)
    open_experiment(driver, "?workers=2", "heads")
    # Storage lost meanwhile (cleared, or evicted for want of room): extra workers would each start Python afresh.
    page.evaluate("caches.delete('microgpt-snapshot')")
    skip_and_run(page)
    wait_live(page, 1)
    assert arm_workers(page) == []
    assert "(1 of 2), one at a time: this browser keeps no memory snapshot of Python" in \
        page.text_content("#experiment-status")
    finish(driver)
    assert page.text_content("#experiment-status") == "Done. One arm at a time: this browser keeps no memory " \
        "snapshot of Python (storage refused, full, or not written yet), and each extra worker would have to start " \
        "Python from scratch."
    assert driver.state("experiment.plan")["workers"] == 1


def test_extra_workers_that_cannot_start_leave_the_arms_to_the_pages_worker_which_says_so(new_context, site):
    # No service worker, so that the test's route sees the workers' script requests.
    context = new_context(service_workers="block")
    try:
        driver = PageDriver(context.new_page(), site)
        page = driver.page
        page.goto(f"{site}?workers=2#experiment=heads")
        driver.wait_phase("idle", timeout=90_000)
        driver.wait_checked()
        snapshot_stored(page)
        page.route("**/worker.js*", lambda route: route.abort())     # the page's worker is up; no other can load
        skip_and_run(page)
        finish(driver)
        status = page.text_content("#experiment-status")
        assert status.startswith("Done. One arm at a time: the extra workers could not start Python ("), status
        assert len(driver.state("experiment.arms")) == 2 and driver.state("experiment.alive") == 0
        assert arm_workers(page) == []
    finally:
        context.close()
