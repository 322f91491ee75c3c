"""Keep and move the model in the page: Download writes the CLI's checkpoint, Load takes one from the page or the CLI
(samples at once, resumes loss for loss), IndexedDB keeps the latest model over a reload until Forget, and a page
without storage still works."""

import itertools
import json
import math
import subprocess
import sys

import pytest

from microgpt.config import Config
from microgpt.data import builtin_text, parse_documents
from microgpt.train import Run

SMALL = {"n_embd": 8, "n_head": 2}


def cli(*args):
    result = subprocess.run([sys.executable, "-m", "microgpt", *map(str, args)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def cli_samples(output):
    return [line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("sample ")]


def native_losses(**settings):
    """The uninterrupted run on the built-in data, in this CPython."""
    run = Run(Config(**settings), parse_documents(builtin_text()))
    return [record["loss"] for record in run.steps()]


def assert_close(ours, theirs):
    """Across runtimes (Pyodide's libm against this CPython's) the last bits may differ, as in test_page.py."""
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs), start=1):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=0), f"step {step}: {a} != {b}"


def hash_of(settings):
    return "#" + "&".join(f"{name}={value}" for name, value in settings.items())


def download(driver, folder):
    with driver.page.expect_download() as event:
        driver.page.click("#model-download")
    saved = event.value
    path = folder / saved.suggested_filename
    saved.save_as(path)
    return path


def load_file(driver, path):
    driver.page.set_input_files("#model-file", str(path))
    driver.page.wait_for_function("window.__microgpt.idle && window.__microgpt.summary", timeout=30_000)
    driver.wait_checked()


def set_sampling(driver, num_samples, sample_seed):
    driver.page.fill("#setting-num_samples", str(num_samples))
    driver.page.fill("#setting-sample_seed", str(sample_seed))
    driver.wait_checked()


def test_download_reload_and_load_keep_the_model_and_match_the_cli(new_driver, site, tmp_path):
    settings = {**SMALL, "num_steps": 400}
    uninterrupted = native_losses(**settings)
    driver = new_driver(site + hash_of(settings))
    page = driver.page
    driver.open()
    assert page.is_disabled("#model-download")
    assert "Train or load a model" in page.text_content("#model-reason")

    # Pause part-way and download: the file is the CLI's checkpoint, named by settings and step.
    driver.train(wait_for=None)
    driver.wait_step(5)
    page.click("#pause")
    driver.wait_phase("paused")
    driver.wait_checked()
    paused = download(driver, tmp_path)
    # The step the page paused at: its last event's, or the next one when Pause came while that step's held-out
    # evaluation was under way (the step is taken; its event comes with the chunk that finishes the evaluation).
    step = json.loads(paused.read_text())["step"]
    assert step - driver.state("events.length") in (0, 1)
    assert paused.name == f"microgpt-n_embd8-n_head2-num_steps400-step{step}.json"
    # The CLI resumes the page's checkpoint where the page paused, loss for loss.
    log = tmp_path / "resumed.jsonl"
    cli("train", "--resume", paused, "--log", log, "--quiet")
    assert_close([json.loads(line)["loss"] for line in log.read_text().splitlines()], uninterrupted[step:])

    page.click("#pause")
    driver.wait_phase("done")
    driver.wait_checked()
    in_page = driver.state("losses")
    assert_close(in_page, uninterrupted)
    set_sampling(driver, 6, 3)
    samples = driver.generate()
    finished = download(driver, tmp_path)
    assert finished.name == "microgpt-n_embd8-n_head2-num_steps400-step400.json"
    assert cli_samples(cli("sample", "--checkpoint", finished, "--sample-seed", 3, "--num-samples", 6)) == samples

    # A reload restores the kept model, its curve and settings, and says so; it samples the same names.
    page.reload()
    driver.wait_phase("done", timeout=90_000)
    driver.wait_checked()
    assert page.is_visible("#kept-notice")
    assert page.text_content("#kept-text").startswith("Restored your model from today at ")
    assert "(step 400 of 400)" in page.text_content("#kept-text")
    assert page.text_content("#model-status").startswith("Loaded the model this browser kept: step 400 of 400.")
    assert driver.state("losses") == in_page
    assert page.input_value("#setting-n_embd") == "8"
    # The run list comes back too, each run with its curve.
    runs = driver.state("runs")
    assert len(runs) == 1 and [point[1] for point in runs[0]["curve"]] == in_page
    set_sampling(driver, 6, 3)
    assert driver.generate() == samples

    # Loading the paused file: its step comes back, and Resume finishes the run loss for loss.
    load_file(driver, paused)
    driver.wait_phase("paused")
    assert page.text_content("#stat-step") == f"{step} / 400"
    assert f"Loaded {paused.name}: step {step} of 400. It samples now. Resume continues" in page.text_content(
        "#model-status")
    page.click("#pause")
    driver.wait_phase("done")
    driver.wait_checked()
    assert [event["step"] for event in driver.state("events")] == list(range(step + 1, 401))
    assert driver.state("losses") == in_page[step:]
    set_sampling(driver, 6, 3)
    assert driver.generate() == samples

    # Forget clears everything kept: the next reload starts empty.
    page.click("#model-forget")
    driver.wait_checked()
    assert page.is_hidden("#kept-notice")
    assert "keeps nothing" in page.text_content("#model-kept")
    page.reload()
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert page.is_hidden("#kept-notice")
    assert driver.state("events.length") == 0 and driver.state("runs") == []
    assert driver.console_errors == []


def test_step_once_is_kept_like_training(new_driver, site):
    """The model this browser keeps follows Step once as it follows training: a reload after Step once restores the
    model at that step, not at the pause before it."""
    driver = new_driver(site + hash_of({**SMALL, "num_steps": 400, "eval_every": 0}))
    page = driver.page
    driver.open()
    driver.train(wait_for=None)
    driver.wait_step(3)
    page.click("#pause")
    driver.wait_phase("paused")
    driver.wait_checked()
    paused_at = driver.state("events.length")
    page.click("#step-once")
    driver.page.wait_for_function("n => window.__microgpt.events.length > n", arg=paused_at, timeout=30_000)
    driver.wait_checked()
    assert f"latest model (step {paused_at + 1})" in page.text_content("#model-kept")
    page.reload()
    driver.wait_phase("paused", timeout=90_000)
    driver.wait_checked()
    assert f"(step {paused_at + 1} of 400)" in page.text_content("#kept-text")
    assert driver.console_errors == []


def test_a_cli_checkpoint_samples_at_once_and_resumes_only_on_its_own_data(driver, tmp_path):
    made = tmp_path / "cli.json"
    cli("train", "--n-embd", 8, "--n-head", 2, "--num-steps", 60, "--stop-after", 20, "--checkpoint", made, "--quiet")
    expected = cli_samples(cli("sample", "--checkpoint", made, "--sample-seed", 5, "--num-samples", 8))
    page = driver.page
    driver.use_text("anna\nbob\ncyril\n")

    # Other data than the checkpoint's: it samples what the CLI samples, and says which data resuming needs.
    load_file(driver, made)
    driver.wait_phase("stopped")
    assert page.text_content("#stat-step") == "20 / 60"
    assert page.input_value("#setting-num_steps") == "60"
    status = page.text_content("#model-status")
    assert "To resume training, choose the data it was trained on: the built-in data, US census first names" in status
    assert page.is_disabled("#pause")
    assert driver.state("runData") is None      # the page's text is not its data: an experiment must not reuse it
    set_sampling(driver, 8, 5)
    assert driver.generate() == expected

    # Its own data (the page's built-in data is the CLI's): now it resumes, loss for loss.
    driver.use_builtin()
    driver.wait_phase("paused")
    assert "Resume continues its training" in page.text_content("#model-status")
    assert driver.state("runData") == {"source": "builtin"}
    page.click("#pause")
    driver.wait_phase("done")
    assert_close(driver.state("losses"), native_losses(**SMALL, num_steps=60)[20:])


def test_a_page_without_storage_says_so_and_still_trains(new_driver, site):
    driver = new_driver(site + hash_of({**SMALL, "num_steps": 20}))
    driver.page.add_init_script("""Object.defineProperty(window, "indexedDB", {
      get() { throw new DOMException("storage is blocked here", "SecurityError"); } });""")
    driver.open()
    driver.train()
    driver.wait_checked()
    assert "does not let the page store data here" in driver.page.text_content("#model-kept")
    assert driver.page.is_disabled("#model-forget")
    assert len(driver.generate()) == 20
    assert driver.console_errors == []


@pytest.mark.parametrize("bad, words", [
    ("names.txt", "names.txt: not a checkpoint file; choose a .json file"),
    ("broken.json", "broken.json: not a microgpt checkpoint"),
])
def test_a_bad_file_is_named_and_the_model_stays(driver, tmp_path, bad, words):
    driver.page.fill("#setting-num_steps", "10")
    driver.wait_checked()
    driver.train()
    before = driver.state("summary")
    path = tmp_path / bad
    path.write_text('{"format": "something else"}')
    driver.page.set_input_files("#model-file", str(path))
    driver.page.wait_for_selector("#model-message:not([hidden])")
    driver.wait_checked()
    assert words in driver.page.text_content("#model-message")
    assert driver.state("phase") == "done" and driver.state("summary") == before


def test_the_form_comes_back_from_storage_when_the_link_has_no_settings(new_driver, site):
    driver = new_driver()
    driver.open()
    driver.set_setting("n_embd", 12)
    driver.set_setting("temperature", 0.8)
    # A link without settings (here: the page's address with a query, so that it loads anew) gets the kept ones.
    driver.page.goto(site + "?again")
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert driver.page.input_value("#setting-n_embd") == "12"
    assert driver.page.input_value("#setting-temperature") == "0.8"
    # A link with settings wins over what was kept.
    driver.page.goto(site + "?link#n_embd=8&n_head=2")
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert driver.page.input_value("#setting-n_embd") == "8"
    assert driver.page.input_value("#setting-temperature") == "0.5"
    # Kept settings are judged like a link's: a bad value falls back to its default and the notice says so.
    driver.page.evaluate("""async () => {
        const db = await new Promise((resolve, reject) => {
            const request = indexedDB.open("microgpt", 1);
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
        });
        await new Promise((resolve, reject) => {
            const transaction = db.transaction("kept", "readwrite");
            transaction.objectStore("kept").put(
                {values: {n_embd: "9999", layers: "3", temperature: "0.8", source: "builtin"}, text: ""}, "settings");
            transaction.oncomplete = resolve;
            transaction.onabort = () => reject(transaction.error);
        });
        db.close();
    }""")
    driver.page.goto(site + "?bad")
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert driver.page.input_value("#setting-n_embd") == "16"
    assert driver.page.input_value("#setting-temperature") == "0.8"
    assert driver.page.text_content("#link-notice-ignored").startswith("Some settings this browser kept")
    notice = driver.page.text_content("#link-notice-list")
    assert "n_embd=9999: out of range" in notice and "layers=3: unknown setting" in notice
    assert driver.page.url.endswith("#temperature=0.8"), "the link follows the kept settings restored"


def test_a_stopped_run_comes_back_stopped_after_a_reload_with_train_usable_and_no_run_filed_twice(new_driver, site):
    """Stop, then reload: the page is Stopped, not Paused, so Train is free and there is nothing to stop again (a
    second Stop used to file the same run a second time, "same settings as #1, 0.0 s"). Likewise after Stop from a
    pause."""
    driver = new_driver(site + hash_of({**SMALL, "num_steps": 400, "eval_every": 0}))
    page = driver.page
    driver.open()

    def reload_stopped(runs):
        page.wait_for_function("n => window.__microgpt.runs.length === n", arg=runs)
        driver.wait_checked()
        page.reload()
        driver.wait_phase("stopped", "paused", "done", timeout=90_000)
        driver.wait_checked()
        assert driver.state("phase") == "stopped" and page.text_content("#status") == "Stopped"
        assert page.is_enabled("#train") and page.is_disabled("#stop")
        assert len(driver.state("runs")) == runs

    driver.train(wait_for=None)
    driver.wait_step(3)
    page.click("#stop")
    driver.wait_phase("stopped")
    reload_stopped(1)

    driver.train(wait_for=None)
    driver.wait_step(3)
    page.click("#pause")
    driver.wait_phase("paused")
    page.click("#stop")
    driver.wait_phase("stopped")
    reload_stopped(2)
    driver.train(wait_for="training")
    page.click("#stop")
    driver.wait_phase("stopped")


def native_losses_upto(steps, **settings):
    """The first `steps` losses of the uninterrupted run, in this CPython."""
    run = Run(Config(**settings), parse_documents(builtin_text()))
    return [record["loss"] for record in itertools.islice(run.steps(), steps)]


def wait_kept_while_training(driver):
    """Until this browser has stored the running run's model (a save during training, not at its end)."""
    driver.page.wait_for_function("""() => window.__microgpt.phase === "training" && window.__microgpt.lastModelStep > 0
        && document.querySelector("#model-kept").textContent.includes("latest model (step")""", timeout=60_000)


def test_a_restored_model_shows_its_names_at_once(new_driver, site, tmp_path):
    """A reload brings the model back saying "It samples now", and its names are there without Generate: the names it
    showed when it finished (the form's sampling seed); with that seed emptied, from the run's seed, so that a run
    which can resume keeps its random stream."""
    driver = new_driver(site + hash_of({**SMALL, "num_steps": 30}))
    page = driver.page
    driver.open()
    driver.train()
    driver.wait_checked()
    shown = driver.state("samples")
    assert len(shown) == 20
    page.reload()
    driver.wait_phase("done", timeout=90_000)
    driver.wait_checked()
    assert "It samples now" in page.text_content("#model-status")
    assert driver.state("samples") == shown
    assert page.locator("#samples li").count() == 20
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        page.locator("#samples").scroll_into_view_if_needed()
        page.screenshot(path=f"/tmp/bigmodel-restored-samples-{width}.png")
    page.set_viewport_size({"width": 1280, "height": 800})
    # A model loaded while the sampling seed is empty (the run's stream would continue) shows names from its seed.
    driver.set_setting("sample_seed", "")
    seeded = driver.generate()      # the run's stream continues: other names
    path = tmp_path / "m.json"
    path.write_text(driver.state("latest.checkpoint"))
    before = driver.state("sampleCount")
    page.set_input_files("#model-file", str(path))
    page.wait_for_function("n => window.__microgpt.sampleCount > n", arg=before, timeout=60_000)
    driver.wait_checked()
    restored = driver.state("samples")
    driver.set_setting("sample_seed", 42)
    assert restored == driver.generate() != seeded     # the run's seed, 42
    assert driver.console_errors == []

def test_a_run_in_progress_survives_a_reload_and_resumes_to_the_same_losses(new_driver, site):
    """The model of a running run is kept every few seconds: a reload during training (the browser asks first) brings
    it back paused at the step last kept, and Resume continues it loss for loss as if it had never stopped."""
    settings = {**SMALL, "num_steps": 20000, "eval_every": 0}
    driver = new_driver(site + hash_of(settings))
    page = driver.page
    driver.open()
    driver.train(wait_for=None)
    wait_kept_while_training(driver)
    before = driver.state("losses")
    page.reload()
    assert driver.unload_warnings == 1, "leaving a training page asks first"
    driver.wait_phase("paused", timeout=90_000)
    driver.wait_checked()
    step = driver.state("summary")["step"]
    assert 0 < step <= len(before)
    assert f"(step {step:,} of 20,000)" in page.text_content("#kept-text")
    assert driver.state("losses") == before[:step]
    page.click("#pause")
    driver.wait_step(step + 30)
    page.click("#pause")
    driver.wait_phase("paused")
    driver.wait_checked()
    resumed = driver.state("losses")[step:]
    assert_close(resumed, native_losses_upto(step + len(resumed), **settings)[step:])
    assert driver.console_errors == []


def test_two_tabs_training_at_once_keep_both_runs_and_each_its_model(new_tab, site):
    """Two tabs of one browser train at once: each shows both runs as they finish, and a reload of either shows both
    runs and brings back that tab's own model; a new tab brings back the newest."""
    tabs = [new_tab(site + hash_of({**SMALL, "num_steps": 400, "seed": seed})) for seed in (1, 2)]
    for tab in tabs:
        tab.open()
    for tab in tabs:
        tab.train(wait_for=None)
    for tab in tabs:
        tab.wait_step(1)
    assert [tab.state("phase") for tab in tabs] == ["training", "training"]
    for tab in tabs:
        tab.wait_phase("done", timeout=120_000)
        tab.wait_checked()
    losses = [tab.state("losses") for tab in tabs]
    assert losses[0] != losses[1]
    both = "window.__microgpt.runs.length === 2"
    for tab in tabs:
        tab.page.wait_for_function(both, timeout=30_000)
        tab.wait_checked()
    lists = [[(run["id"], run["key"], run["config"]["seed"]) for run in tab.state("runs")] for tab in tabs]
    assert lists[0] == lists[1] and sorted(run[0] for run in lists[0]) == [1, 2]
    for tab, own in zip(tabs, losses):
        tab.page.reload()
        tab.wait_phase("done", timeout=90_000)
        tab.wait_checked()
        assert tab.state("losses") == own
        assert [(run["id"], run["key"], run["config"]["seed"]) for run in tab.state("runs")] == lists[0]
    third = new_tab()
    third.page.goto(site)
    third.wait_phase("done", timeout=90_000)
    third.wait_checked()
    assert len(third.state("runs")) == 2
    assert third.state("losses") in losses
    assert all(tab.console_errors == [] for tab in [*tabs, third])


def test_one_malformed_entry_is_dropped_said_once_and_the_rest_restored(new_driver, site):
    driver = new_driver(site + hash_of({**SMALL, "num_steps": 40}))
    page = driver.page
    driver.open()
    driver.train()
    driver.wait_checked()
    trained = driver.state("losses")
    # What an older page or a damaged store may hold: a run list of one bad record, a bad run, a bad model.
    page.evaluate("""() => new Promise((resolve, reject) => {
      const open = indexedDB.open("microgpt");
      open.onsuccess = () => {
        const transaction = open.result.transaction("kept", "readwrite");
        const entries = transaction.objectStore("kept");
        entries.put([{ id: 1 }], "runs");
        entries.put({ id: 2, curve: "no" }, "run:x/1");
        entries.put({ checkpoint: 5 }, "model:elsewhere");
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error);
      };
    })""")
    page.reload()
    driver.wait_phase("done", timeout=90_000)
    driver.wait_checked()
    assert driver.state("losses") == trained
    assert len(driver.state("runs")) == 1
    notice = page.text_content("#kept-text")
    assert notice.startswith("Restored your model from today")
    assert "This browser had kept 2 runs and 1 model that this page cannot read; they were dropped" in notice
    # Said once: they are gone, and the page keeps what it trains next.
    page.reload()
    driver.wait_phase("done", timeout=90_000)
    driver.wait_checked()
    assert "cannot read" not in page.text_content("#kept-text")
    driver.train()
    driver.wait_checked()
    page.reload()
    driver.wait_phase("done", timeout=90_000)
    driver.wait_checked()
    assert len(driver.state("runs")) == 2
    assert driver.console_errors == []


def test_forget_during_training_is_not_undone_when_the_run_ends(new_driver, site):
    driver = new_driver(site + hash_of({**SMALL, "num_steps": 40}))
    page = driver.page
    driver.open()
    driver.train()
    driver.set_setting("num_steps", 20000)
    driver.train(wait_for=None)
    wait_kept_while_training(driver)
    page.click("#model-forget")
    page.wait_for_function("document.querySelector('#model-kept').textContent.includes('keeps nothing')")
    page.click("#stop")
    driver.wait_phase("stopped")
    driver.wait_checked()
    assert len(driver.state("runs")) == 2, "the page still shows the runs until it is left"
    assert "keeps nothing" in page.text_content("#model-kept")
    page.reload()
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert driver.state("runs") == [] and driver.state("events.length") == 0
    assert page.is_hidden("#kept-notice")
    assert driver.console_errors == []
