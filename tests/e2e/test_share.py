"""Share: every setting lives in the URL hash. A copied link restores the form exactly and repeats the run loss for
loss; pasted data travels in it when small and says so when not; Back/Forward walk through edits; and garbage in the
hash is listed in a notice while the page falls back to defaults."""

import random
import re
import string

SETTINGS = {"n_embd": "8", "n_head": "2", "seed": "7", "num_steps": "20", "temperature": "0.8", "prefix": "ma"}
FIELDS = "Object.fromEntries([...document.querySelectorAll('[id^=setting-]')].map((e) => [e.name, e.value]))"
PETS = "rex\nfido\nspot\nmax\nbella\n"
NAMES = "emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\nharper\nevelyn\nabigail\nemily\n"


def without_clipboard(driver):
    """As in an insecure page or an iframe without permission: there is no clipboard API to call."""
    driver.page.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined })")


def copy_link_from_field(driver):
    driver.page.click("#copy-link")
    driver.page.wait_for_selector("#share-output:not([hidden])")
    assert "selected below" in driver.page.text_content("#share-status")
    selected = driver.page.evaluate("""() => { const field = document.activeElement;
        return field.id === "share-output" && field.selectionStart === 0 && field.selectionEnd === field.value.length; }""")
    assert selected, "the fallback selects the link so that Ctrl+C copies it"
    return driver.page.input_value("#share-output")


def paste(driver, text):
    """Like a paste: the whole text arrives in one input event (typing 30 KB with page.fill takes minutes)."""
    driver.page.click('label:has(input[name="source"][value="text"])')
    driver.page.evaluate("""text => { const area = document.querySelector("#paste-text");
        area.value = text; area.dispatchEvent(new Event("input", { bubbles: true })); }""", text)
    driver.wait_checked()


def test_a_copied_link_restores_the_form_and_repeats_the_run(new_driver, site):
    first = new_driver()
    first.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.rstrip("/"))
    first.open()
    for name, value in SETTINGS.items():
        first.set_setting(name, value)
    first.page.click("#copy-link")
    first.page.wait_for_function("document.querySelector('#share-status').textContent.includes('copied')")
    link = first.page.evaluate("navigator.clipboard.readText()")
    assert link.startswith(site) and "n_embd=8" in link and "prefix=ma" in link
    assert "n_layer" not in link, "defaults stay out of the link"
    first.train("done")
    sample_first = first.generate()

    second = new_driver(link)
    second.open()
    assert second.page.evaluate(FIELDS) == first.page.evaluate(FIELDS)
    assert second.page.is_hidden("#link-notice")
    second.train("done")
    assert len(second.state("losses")) == 20
    assert second.state("losses") == first.state("losses"), "same settings and seed: the same run, loss for loss"
    assert second.generate() == sample_first
    assert first.console_errors == [] and second.console_errors == []


def test_pasted_data_travels_in_the_link_when_small(new_driver):
    first = new_driver()
    without_clipboard(first)
    first.open()
    first.use_text(NAMES)
    first.set_setting("num_steps", "15")
    link = copy_link_from_field(first)
    assert "source=text" in link and "text=" in link
    assert first.page.is_hidden("#share-data")
    first.page.click("#copy-embed")
    first.page.wait_for_function("document.querySelector('#share-output').value.startsWith('<iframe')")
    snippet = first.page.input_value("#share-output")
    embed_link = link.replace("#", "#embed&", 1).replace("&", "&amp;")
    assert snippet.startswith(f'<iframe src="{embed_link}"') and 'width="700"' in snippet

    # A link made before the data source was called `source` (`data=text`) still works, and is rewritten.
    second = new_driver(link.replace("source=text", "data=text"))
    second.open()
    assert "source=text" in second.page.url and "data=" not in second.page.url
    assert second.page.is_checked('input[name="source"][value="text"]')
    assert second.page.input_value("#paste-text") == NAMES
    assert second.page.text_content('[data-stat="num_docs"]') == "12"
    first.train("done")
    second.train("done")
    assert second.state("losses") == first.state("losses")


def test_data_too_large_for_a_link_says_so_and_the_link_carries_the_settings(new_driver):
    first = new_driver()
    without_clipboard(first)
    first.open()
    rng = random.Random(0)
    # Random letters barely compress: ~30 KB of them is far above the 4 KB a link carries.
    big = "\n".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 12))) for _ in range(4000))
    paste(first, big)
    first.set_setting("seed", "11")
    note = first.page.text_content("#share-data")
    assert first.page.is_visible("#share-data") and "too large to travel in a link" in note
    link = copy_link_from_field(first)
    assert "seed=11" in link and "source=text" in link and "text=" not in link.split("source=text")[1]
    assert "not the data" in first.page.text_content("#share-status")

    second = new_driver(link)
    second.open()
    assert second.page.input_value("#setting-seed") == "11"
    assert second.page.is_visible("#link-notice-data")
    assert "paste the data again" in second.page.text_content("#data-message")
    assert second.page.is_disabled("#train")


def test_back_and_forward_walk_through_edits_one_entry_per_edit(new_driver, tmp_path):
    driver = new_driver()
    driver.open()
    page = driver.page
    start = page.evaluate("history.length")
    page.fill("#setting-n_layer", "2")
    page.press("#setting-n_layer", "Tab")
    driver.wait_checked()
    page.click("#setting-num_steps", click_count=3)
    page.keyboard.type("123", delay=80)       # three keystrokes, one edit
    page.press("#setting-num_steps", "Tab")
    driver.wait_checked()
    driver.set_setting("engine", "scalar")
    assert page.evaluate("history.length") == start + 3
    assert re.search(r"#n_layer=2&num_steps=123&engine=scalar$", page.url)

    page.go_back()
    driver.wait_checked()
    assert (page.input_value("#setting-n_layer"), page.input_value("#setting-num_steps"),
            page.input_value("#setting-engine")) == ("2", "123", "fast")
    page.go_back()
    driver.wait_checked()
    assert (page.input_value("#setting-n_layer"), page.input_value("#setting-num_steps")) == ("2", "1000")
    page.go_back()
    driver.wait_checked()
    assert page.input_value("#setting-n_layer") == "1"
    page.go_forward()
    driver.wait_checked()
    assert page.input_value("#setting-n_layer") == "2"
    assert page.is_enabled("#train")

    # An uploaded file travels like pasted text, and comes back as pasted text.
    (tmp_path / "pets.txt").write_text(PETS, encoding="utf-8")
    page.click('label:has(input[name="source"][value="file"])')
    page.set_input_files("#upload-file", str(tmp_path / "pets.txt"))
    driver.wait_checked()
    assert re.search(r"#n_layer=2&source=text&text=[\w-]+$", page.url)
    page.reload()
    driver.wait_phase("idle", timeout=90_000)
    driver.wait_checked()
    assert page.is_checked('input[name="source"][value="text"]')
    assert page.input_value("#paste-text") == PETS
    assert page.text_content('[data-stat="num_docs"]') == "5"
    assert driver.console_errors == []


def test_bad_hash_values_show_a_notice_and_fall_back_to_defaults(new_driver, site):
    bad = ("#n_embd=abc&n_head=0&n_layer=2.5&layers=3&temperature=9&engine=turbo&%E0%A4%A=1&seed=5"
           "&%3Cb%3Ebold%3C%2Fb%3E=1&source=text&text=not*base64")
    driver = new_driver(site + "index.html" + bad)
    driver.open()
    page = driver.page
    notice = page.text_content("#link-notice-list")
    for expected in ["n_embd=abc: not a number", "n_head=0: out of range (1 to 64)", "n_layer=2.5: not a whole number",
                     "layers=3: unknown setting", "temperature=9: out of range", "engine=turbo: not one of fast, scalar",
                     "%E0%A4%A=1: not readable", "<b>bold</b>=1: unknown setting", "text: the pasted data could not"]:
        assert expected in notice
    assert page.query_selector("#link-notice b") is None, "hash text is shown as text, never as markup"
    fields = page.evaluate(FIELDS)
    assert (fields["n_embd"], fields["n_head"], fields["n_layer"], fields["temperature"], fields["engine"]) == \
        ("16", "4", "1", "0.5", "fast")
    assert fields["seed"] == "5", "the valid values of a partly bad link are kept"
    assert page.url.endswith("#seed=5"), "the address bar keeps only what was used"
    page.click("#link-notice-close")
    assert page.is_hidden("#link-notice")
    driver.use_builtin()
    assert page.is_enabled("#train")
    assert driver.console_errors == []


EMBED_FIELDS = """() => [...document.querySelectorAll(':is(input:not([type=range]), select, textarea)[id^=setting-]')]
    .filter((field) => field.checkVisibility()).map((field) => field.name).sort()"""


def embed_code(driver):
    driver.page.click("#copy-embed")
    driver.page.wait_for_function("document.querySelector('#share-output').value.startsWith('<iframe')")
    return re.search(r'<iframe src="([^"]+)"', driver.page.input_value("#share-output")).group(1).replace("&amp;", "&")


def test_the_embed_code_makes_the_ticked_settings_editable_learning_rate_and_context_length_by_default(new_driver):
    author = new_driver()
    without_clipboard(author)
    author.open()
    page = author.page
    # Checkboxes, not a text field of names; the learning rate and the context length are ticked.
    assert page.get_attribute("#setting-editable", "role") == "group"
    assert page.locator("#share-fields input[type=text]").count() == 0
    ticked = "[...document.querySelectorAll('#setting-editable input:checked')].map((box) => box.value)"
    assert page.evaluate(ticked) == ["learning_rate", "block_size"]
    assert page.text_content("label:has(#editable-block_size)") == " Context length block_size"
    link = embed_code(author)
    assert "#embed" in link and "editable" not in link, "the default ticks are the default: the link leaves them out"

    reader = new_driver(link)
    reader.page.goto(link)
    reader.page.wait_for_function("window.__microgpt && window.__microgpt.idle")
    assert reader.page.evaluate(EMBED_FIELDS) == ["block_size", "learning_rate"]
    assert reader.page.is_visible("#embed-fields")

    # Untick the context length, tick the temperature: the link says so, and the embed makes exactly those fields.
    page.uncheck("#editable-block_size")
    page.check("#editable-temperature")
    page.wait_for_function("location.hash.includes('editable=learning_rate,temperature')")
    link = embed_code(author)
    assert "editable=learning_rate,temperature" in link
    reader.page.goto(link)
    reader.page.reload()
    reader.page.wait_for_function("window.__microgpt && window.__microgpt.idle")
    assert reader.page.evaluate(EMBED_FIELDS) == ["learning_rate", "temperature"]

    # None ticked: an embed whose settings are all read-only; and a reload of the full page keeps the ticks.
    page.uncheck("#editable-learning_rate")
    page.uncheck("#editable-temperature")
    page.wait_for_function("/editable=(&|$)/.test(location.hash)")
    page.reload()
    page.wait_for_function("window.__microgpt && window.__microgpt.phase === 'idle'", timeout=90_000)
    assert page.evaluate(ticked) == []
    reader.page.goto(embed_code(author))
    reader.page.reload()
    reader.page.wait_for_function("window.__microgpt && window.__microgpt.idle")
    assert reader.page.evaluate(EMBED_FIELDS) == []
    assert author.console_errors == [] and reader.console_errors == []
