"""The Code card in the page: it shows the source the worker runs, jumps to landmarks, and trains an edited model.py
(ReLU → tanh gives other losses; a syntax error names its line and keeps the model; Restore gives the original)."""

import inspect
import re
import time

import microgpt.engine
import microgpt.model

ORIGINAL = inspect.getsource(microgpt.model)
TANH = ORIGINAL.replace("x = [xi.relu() for xi in x]", "x = [xi.tanh() for xi in x]")
SETTINGS = {"n_embd": 8, "n_head": 2, "num_steps": 6, "engine": "scalar"}


def wait_code(driver):
    driver.page.wait_for_selector("#code[data-loaded='true']", timeout=30_000)


def train_with(driver, settings):
    driver.reset()
    for name, value in settings.items():
        if name == "engine":
            driver.set_setting("engine", value)
        else:
            driver.set_setting(name, value)
    driver.train()
    driver.wait_checked()
    return driver.state("losses")


def apply_edit(driver, text):
    page = driver.page
    if not page.is_visible("#code-editor"):
        page.click("#code-edit summary")
    page.fill("#code-editor", text)
    page.click("#code-apply")
    page.wait_for_function("!document.querySelector('#code-apply').disabled || "
                           "!document.querySelector('#code-edit-message').hidden || window.__microgpt.edited")
    driver.wait_checked()


def test_the_code_panel_shows_the_running_source_and_its_landmarks(driver):
    wait_code(driver)
    page = driver.page
    assert page.text_content("#code-text") == ORIGINAL
    assert page.get_attribute("[data-module='microgpt.model']", "aria-selected") == "true"
    page.click("#code-files [data-module='microgpt.engine']")
    assert page.text_content("#code-text") == inspect.getsource(microgpt.engine)
    # A landmark shows its file, marks its lines and says what they do.
    page.click("[data-section='attention']")
    assert page.text_content("#code-text") == ORIGINAL
    purpose = page.text_content("#code-purpose")
    first = ORIGINAL.splitlines().index("            # 1) Multi-head attention block") + 1
    assert purpose.startswith(f"Attention, lines {first}–") and "query·key" in purpose
    assert page.is_visible("#code-mark")
    assert page.query_selector_all("#code-text .hljs-keyword")      # highlighted, not plain text
    # A view links to the code that computes it.
    page.click("#chart-caption [data-code='loss']")
    assert page.get_attribute("[data-section='loss']", "aria-pressed") == "true"
    assert driver.console_errors == []


def test_an_edit_trains_on_the_scalar_engine_and_a_broken_one_keeps_the_model(driver):
    wait_code(driver)
    page = driver.page
    original = train_with(driver, SETTINGS)
    assert not driver.state("summary.edited") and page.is_hidden("#train-edited")
    hash_before = page.evaluate("location.hash")

    apply_edit(driver, TANH)
    assert driver.state("edited")
    assert "Your edit is in use" in page.text_content("#code-edit-status")
    assert page.evaluate("location.hash") == hash_before          # a link never carries code
    # The fast engine cannot run edited code: an edited run trains on the scalar engine whatever the form says.
    edited = train_with(driver, {**SETTINGS, "engine": "fast"})
    assert driver.state("summary.edited") and driver.state("summary.config.engine") == "scalar"
    assert page.is_visible("#train-edited")
    assert len(edited) == len(original) and edited != original
    samples = driver.generate()

    # A syntax error names its line; the model and the edit in use stay.
    lines = TANH.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "xi.tanh()" in line)
    lines[number - 1] = lines[number - 1].replace("for xi in x]", "for xi in x")
    apply_edit(driver, "\n".join(lines))
    assert f"edited model.py, line {number}:" in page.text_content("#code-edit-message")
    assert driver.state("edited") and driver.state("phase") == "done"
    assert driver.state("losses") == edited
    assert driver.generate() == samples

    # One click restores the original code, which trains as before.
    page.click("#code-restore")
    page.wait_for_function("!window.__microgpt.edited")
    assert page.input_value("#code-editor") == ORIGINAL
    assert train_with(driver, SETTINGS) == original
    assert driver.console_errors == []


def line_of(source, text):
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


def test_an_edit_that_exits_or_ends_python_gets_an_answer_and_the_page_comes_back(driver):
    """However the edited code leaves Python (SystemExit at import or in training, os._exit, which ends Pyodide's
    Python itself), Apply and Restore come back and a message names the edit; an edit that ended Python is not
    applied again in the fresh worker."""
    wait_code(driver)
    page = driver.page

    at_import = ORIGINAL + "\nraise SystemExit\n"
    apply_edit(driver, at_import)
    assert (f"edited model.py, line {line_of(at_import, 'raise SystemExit')}: it exits Python (SystemExit)"
            in page.text_content("#code-edit-message"))
    assert page.is_enabled("#code-restore") and not driver.state("edited")

    in_training = ORIGINAL.replace("        for li in range(self.config.n_layer):",
                                   "        if pos_id >= 3: import sys; sys.exit(1)\n"
                                   "        for li in range(self.config.n_layer):")
    apply_edit(driver, in_training)
    assert driver.state("edited")
    driver.train(wait_for=None)
    page.wait_for_function("document.querySelector('#train-message').textContent.includes('training stopped')",
                           timeout=60_000)
    assert driver.state("phase") not in ("training", "pausing")
    assert (f"training stopped at step 1: edited model.py, line {line_of(in_training, 'sys.exit(1)')}: it exits "
            f"Python (SystemExit)" in page.text_content("#train-message"))
    page.click("#code-restore")
    page.wait_for_function("!window.__microgpt.edited")
    driver.wait_checked()
    assert page.is_enabled("#train")

    # os._exit ends Python itself: the edit gets an answer naming it, then a fresh worker takes over.
    apply_edit(driver, "import os\nos._exit(0)\n" + ORIGINAL)
    assert "edit stopped: the edited model.py ended Python itself (os._exit" in page.text_content("#code-edit-message")
    page.wait_for_function("document.querySelector('#banner').textContent.includes('ended Python itself')")
    page.wait_for_function("window.__microgpt.phase === 'idle' && !document.querySelector('#code-apply').disabled",
                           timeout=60_000)
    assert not driver.state("edited")
    apply_edit(driver, TANH)
    assert driver.state("edited") and page.is_hidden("#code-edit-message")
    page.click("#code-restore")
    page.wait_for_function("!window.__microgpt.edited")

    # os._exit in training: after the fresh worker the edit is not applied again (it would end Python again).
    apply_edit(driver, in_training.replace("import sys; sys.exit(1)", "import os; os._exit(0)"))
    assert driver.state("edited")
    page.evaluate("document.querySelector('#banner').textContent = ''")
    driver.train(wait_for=None)
    page.wait_for_function("document.querySelector('#banner').textContent.includes('ended Python itself')",
                           timeout=60_000)
    assert "original model.py" in page.text_content("#banner")
    page.wait_for_function("['idle', 'stopped'].includes(window.__microgpt.phase) && "
                           "!document.querySelector('#code-apply').disabled", timeout=60_000)
    driver.wait_checked()       # the fresh Python checks the settings and data again before Train is free
    assert not driver.state("edited") and page.is_enabled("#train")
    page.click("#code-restore")


def test_an_edit_that_does_not_return_is_named_in_seconds_and_stop_brings_the_page_back(driver):
    """An edit that never returns (a loop at import, at Apply; a loop inside the forward, in training) is said to be
    the edit's, at its line, within seconds, with a Stop that restarts Python with the original code and the last
    model. Left alone, the worker's deadline replaces it, naming the edit, not the worker. Neither edit is applied
    again."""
    wait_code(driver)
    page = driver.page
    train_with(driver, SETTINGS)
    page.wait_for_function("window.__microgpt.lastModelStep === 6")

    at_import = ORIGINAL + "\nwhile True:\n    pass\n"
    loop_line = line_of(at_import, "while True:")
    if not page.is_visible("#code-editor"):
        page.click("#code-edit summary")
    page.fill("#code-editor", at_import)
    page.click("#code-apply")
    applied_at = time.monotonic()
    page.wait_for_selector("#edit-stuck:not([hidden])", timeout=10_000)
    assert time.monotonic() - applied_at < 6
    notice = page.text_content("#edit-stuck-text")
    assert "The edited model.py has not returned for" in notice
    assert re.search(rf"running line ({loop_line}|{loop_line + 1})\)", notice), notice
    page.screenshot(path="/tmp/faults-edit-stuck.png")
    page.click("#edit-stuck-stop")
    page.wait_for_selector("#edit-stuck", state="hidden")
    banner = page.text_content("#banner")
    assert banner.startswith("You stopped the edited model.py: it ran ") and "original model.py" in banner
    assert "model comes back as it was at step 6" in banner and "worker" not in banner
    driver.wait_phase("done", timeout=90_000)          # all 6 steps were taken: the model comes back trained
    assert driver.state("summary.step") == 6 and not driver.state("edited")
    assert "you stopped the edited model.py" in page.text_content("#code-edit-message")
    assert page.input_value("#code-editor") == at_import          # the edit stays, to be fixed
    assert len(driver.generate()) == 20

    in_training = ORIGINAL.replace("        for li in range(self.config.n_layer):",
                                   "        if pos_id >= 3:\n"
                                   "            while True: pass\n"
                                   "        for li in range(self.config.n_layer):")
    apply_edit(driver, in_training)
    assert driver.state("edited")
    driver.train(wait_for=None)
    page.wait_for_selector("#edit-stuck:not([hidden])", timeout=15_000)
    assert f"running line {line_of(in_training, 'while True: pass')})" in page.text_content("#edit-stuck-text")
    # Nobody presses Stop: the chunk's deadline replaces the worker, and the edit is named.
    page.wait_for_selector("#banner:text('The edited model.py did not return')", timeout=30_000)
    assert page.is_hidden("#edit-stuck")
    driver.wait_phase("stopped", "idle", timeout=90_000)
    page.wait_for_function("!document.querySelector('#code-apply').disabled")
    driver.wait_checked()
    assert not driver.state("edited") and page.is_enabled("#train")
    assert "the edited model.py did not return" in page.text_content("#code-edit-message")
    page.click("#code-restore")
    assert driver.console_errors == []


def test_a_run_of_edited_code_makes_names_is_named_by_its_edit_and_restore_puts_the_engine_back(new_driver, site):
    """An edited run is a run like any other (names when it ends, a record in the list), named "edited model.py"
    rather than by the scalar engine the edit chose, with no command line (the CLI cannot train an edit); Vary keeps
    the form's engine, and Restore original puts back the engine the form had before the edit."""
    driver = new_driver(site + "#n_embd=8&n_head=2&num_steps=30&num_samples=8")
    driver.open()
    wait_code(driver)
    page = driver.page
    driver.train()
    apply_edit(driver, TANH)
    assert driver.state("edited")
    driver.set_setting("engine", "scalar")      # as a reader might, reading that edits train on scalar
    before = driver.state("sampleCount")
    driver.train()
    page.wait_for_function("window.__microgpt.runs.length === 2 && window.__microgpt.runs[1].samples.length === 8")
    page.wait_for_function("n => window.__microgpt.sampleCount > n", arg=before)      # its names, drawn when it ends
    assert driver.state("summary.edited")
    samples = driver.state("samples")
    vocab = set(driver.state("summary.vocab"))
    assert len(samples) == 8 and all(set(name) <= vocab for name in samples)
    assert page.locator("#samples li").count() == 8
    runs = page.locator("#runs .run")          # newest first
    assert runs.nth(0).locator(".run-name").text_content() == "#2 edited model.py"
    assert runs.nth(1).locator(".run-command").text_content().startswith("python -m microgpt train")
    assert runs.nth(0).locator(".run-command").text_content().startswith(
        "The command line cannot reproduce this run: it trained your edited model.py")
    assert "python -m microgpt" not in runs.nth(0).text_content()
    assert driver.state("runs[1].command") is None

    # Restore original: the engine the form had before the edit comes back, and the link no longer says scalar.
    page.click("#code-restore")
    page.wait_for_function("!window.__microgpt.edited")
    page.wait_for_function("document.querySelector('#setting-engine').value === 'fast'")
    driver.wait_checked()
    assert "engine=scalar" not in page.evaluate("location.hash")
    # Vary on the edited run puts its settings in the form, not the engine its edit chose.
    runs.nth(0).locator("button", has_text="Vary this run").click()
    driver.wait_checked()
    assert page.input_value("#setting-engine") == "fast" and page.input_value("#setting-n_embd") == "8"
    assert driver.console_errors == []
