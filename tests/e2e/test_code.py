"""The Code card in the page: it shows the source the worker runs, jumps to landmarks, and trains an edited model.py
(ReLU → tanh gives other losses; a syntax error names its line and keeps the model; Restore gives the original)."""

import inspect

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
            driver.page.select_option("#setting-engine", value)
            driver.wait_checked()
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
    Python itself), Apply and Restore come back and a message names the edit."""
    wait_code(driver)
    page = driver.page
    driver.reset()

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
