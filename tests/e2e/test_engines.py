"""The page in Firefox and in WebKit (Safari's engine), one smoke path each, in the Chromium tests' words: the page
loads from dist/ and reaches ready; training draws the chart and shows names; pause and resume; a reload restores the
kept model (from IndexedDB), Python starting from its memory snapshot or the normal way; Download writes the CLI's
checkpoint; one insight view; one experiment; the embed trains and samples in a cross-origin iframe; no console
errors (WebKit: the page's own list of them, since WebKitGTK's WebDriver reports no console). Run one engine alone with `-m firefox` or `-m webkit`. tests/e2e/engines.py drives them.

The tests of one engine share its browser and page, in this order (Python starts once per page, not per test). A
screenshot of each engine's page after its run lands in the pytest temporary folder (its path is printed)."""

import json
import time

import pytest

from tests.e2e.engines import DRIVERS, missing

STEPS = 120
SETTINGS = f"n_embd=8&n_head=2&num_steps={STEPS}&num_samples=8"
EMBED = "n_embd=8&n_head=2&num_steps=30&num_samples=8"
ENGINES = [pytest.param(name, marks=getattr(pytest.mark, name)) for name in DRIVERS]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, site, tmp_path_factory):
    """(name, driver, downloads folder) of an engine with the page open on SETTINGS."""
    name = request.param
    reason = missing(name)
    if reason:
        pytest.skip(f"{name}: {reason}")
    downloads = tmp_path_factory.mktemp(f"{name}-downloads")
    driver = DRIVERS[name](downloads)
    try:
        driver.goto(f"{site}#{SETTINGS}")
        yield name, driver, downloads
    finally:
        driver.close()


@pytest.fixture(scope="module")
def host(builder, site, tmp_path_factory):
    """A blog post on a second server: 127.0.0.1 on another port is another origin."""
    folder = tmp_path_factory.mktemp("host")
    (folder / "post.html").write_text(
        "<!doctype html><meta charset=utf-8><title>A blog post</title><link rel=icon href='data:,'>"
        f"<body style='margin:0'><iframe src='{site}index.html#embed&{EMBED}' width='700' height='820'"
        " style='border:0' title='microgpt'></iframe>")
    server = builder.serve(folder)
    yield builder.url(server) + "post.html"
    server.shutdown()


def test_page_loads_from_dist_and_reaches_ready(engine):
    name, driver, _ = engine
    driver.wait_phase("idle", timeout=120)
    driver.wait_checked()
    assert driver.text("#status") == "Ready"
    assert driver.evaluate("document.querySelector('#train').disabled") is False
    assert driver.visible("#loading") is False
    assert driver.evaluate("window.__microgpt.startup.from") == "fresh", "a new profile has no snapshot"


def test_training_draws_the_chart_and_shows_names_with_pause_and_resume_on_the_way(engine):
    name, driver, _ = engine
    driver.click("#train")
    driver.wait("window.__microgpt.events.length >= 10")
    driver.click("#pause")
    driver.wait_phase("paused")
    paused_at = driver.state("events.length")
    time.sleep(0.5)
    # Pause may come inside a step's held-out evaluation: that step's event still arrives.
    assert driver.state("events.length") - paused_at in (0, 1)
    assert driver.text("#stat-step").endswith(f"/ {STEPS}")
    driver.click("#pause")      # the same button, now Resume
    driver.wait_phase("done", timeout=120)
    driver.wait_checked()
    assert [event["step"] for event in driver.state("events")] == list(range(1, STEPS + 1))
    chart = driver.state("chart")
    assert chart["points"] == chart["drawn"] == STEPS
    assert driver.visible("#chart canvas") and not driver.visible("#chart-empty")
    driver.wait("document.querySelectorAll('#samples li').length === 8")
    vocab = set(driver.state("summary.vocab"))
    names = driver.evaluate("[...document.querySelectorAll('#samples li')].map((item) => item.textContent)")
    assert all(name and set(name) <= vocab for name in names), names


def test_download_writes_the_clis_checkpoint(engine):
    name, driver, downloads = engine
    driver.click("#model-download")
    path = downloads / f"microgpt-n_embd8-n_head2-num_steps{STEPS}-step{STEPS}.json"
    deadline = time.monotonic() + 30
    while not path.is_file():
        assert time.monotonic() < deadline, f"no {path.name} in {sorted(p.name for p in downloads.iterdir())}"
        time.sleep(0.2)
    time.sleep(0.5)     # the browser may still be writing it
    checkpoint = json.loads(path.read_text())
    assert checkpoint["step"] == STEPS and checkpoint["config"]["n_embd"] == 8


def test_one_insight_view_the_embedding_map_has_a_point_per_character(engine):
    name, driver, _ = engine
    # The map lives in the diagram's token embedding stage, drawn once the diagram has traced a name.
    driver.evaluate("document.getElementById('insight').scrollIntoView()")
    driver.wait("document.querySelector('#diagram #embeddings') !== null")
    driver.evaluate("document.querySelector('#embeddings').scrollIntoView()")
    driver.wait(f"document.getElementById('emb-caption').textContent.startsWith('Step {STEPS}')")
    assert driver.evaluate("document.querySelectorAll('#emb-map .emb-mark').length") == driver.state("summary.vocab_size")


def test_a_reload_restores_the_kept_model_and_python_starts_from_its_snapshot_or_anew(engine):
    name, driver, _ = engine
    losses = driver.state("losses")
    driver.reload()
    driver.wait_phase("done", timeout=120)
    driver.wait_checked()
    assert driver.visible("#kept-notice")
    assert driver.text("#kept-text").startswith("Restored your model from today at ")
    assert f"(step {STEPS} of {STEPS})" in driver.text("#kept-text")
    assert driver.state("losses") == losses
    assert driver.evaluate("window.__microgpt.startup.from") in ("snapshot", "fresh")


def test_the_temperature_experiment_samples_one_model_three_ways(engine):
    name, driver, _ = engine
    driver.select("#experiment-select", "temperature")
    driver.click("#experiment-choices input[value='skip']")       # no prediction: Run waits for one or a skip
    driver.click("#experiment-run")
    driver.wait("!document.querySelector('#experiment-outcome-block').hidden", timeout=180)
    driver.wait_phase("idle", "done")
    assert driver.evaluate("document.querySelector('#experiment-chart').dataset.curves") == "1"
    assert driver.evaluate("document.querySelectorAll('.experiment-arm').length") == 3
    assert "temperature 1.5 against temperature 0.2: its names are" in driver.text("#experiment-outcome")


def test_a_screenshot_after_the_run(engine, tmp_path_factory):
    name, driver, _ = engine
    driver.evaluate("window.scrollTo(0, 0)")
    path = tmp_path_factory.mktemp("screenshots") / f"{name}.png"
    driver.screenshot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"{name} screenshot: {path}")


def test_an_embedded_widget_trains_and_samples_in_a_cross_origin_iframe(engine, host):
    name, driver, _ = engine
    driver.goto(host)
    driver.wait("window.__microgpt && window.__microgpt.idle", frame=0)
    assert driver.evaluate("(() => { try { return window.top.location.href; } catch { return 'other origin'; } })()",
                           frame=0) == "other origin"
    assert driver.state("phase", frame=0) == "dormant"
    driver.click("#train", frame=0)
    driver.wait_phase("done", timeout=120, frame=0)
    assert [event["step"] for event in driver.state("events", frame=0)] == list(range(1, 31))
    driver.click("#generate", frame=0)
    driver.wait("window.__microgpt.sampleCount > 0", frame=0)
    vocab = set(driver.state("summary.vocab", frame=0))
    samples = driver.state("samples", frame=0)
    assert len(samples) == 8 and all(set(sample) <= vocab for sample in samples)


def test_no_console_errors(engine):
    name, driver, _ = engine
    assert driver.errors() == []
