"""Embed: a host page on another origin iframes the app with `#embed&…` at 700px. Nothing heavy loads before Train
(no worker, no Pyodide, no wheel); inside the frame, training and sampling work with the author's settings; the
widget fits its column (and a phone's); and "Open in the full app" links to the same settings."""

import re

import pytest

SETTINGS = "n_embd=8&n_head=2&num_steps=30&num_samples=8&temperature=0.8"   # in the schema's order, as written
HEAVY = re.compile(r"/(pyodide/|wheels/|worker\.js)")


@pytest.fixture
def host(builder, site, tmp_path):
    """Serve a host page from a second server: 127.0.0.1 on another port is another origin."""
    def make(width, fragment=f"embed&{SETTINGS}", height=820, above=0):
        (tmp_path / "post.html").write_text(
            "<!doctype html><meta charset=utf-8><title>A blog post</title><link rel=icon href='data:,'><body style='margin:0'>"
            f"<p style='height:{above}px;margin:0'>The post's text.</p>"
            f"<iframe src='{site}index.html#{fragment}' width='{width}' height='{height}' style='border:0'"
            " title='microgpt'></iframe><p style='height:600px'>More of the post.</p>")
        return builder.url(server) + "post.html"
    server = builder.serve(tmp_path)
    yield make
    server.shutdown()


def open_post(new_context, url, viewport):
    context = new_context(viewport=viewport)
    page = context.new_page()
    requests, errors = [], []
    context.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.goto(url)
    frame = page.frame_locator("iframe")
    frame.locator("#train:enabled").wait_for()
    widget = page.main_frame.child_frames[0]
    return context, page, widget, requests, errors


def test_an_embedded_widget_trains_and_samples_in_a_cross_origin_iframe(new_context, host, site):
    context, page, widget, requests, errors = open_post(new_context, host(700), {"width": 900, "height": 900})
    try:
        assert widget.evaluate("(() => { try { return window.top.location.href; } catch { return 'other origin'; } })()") \
            == "other origin"
        widget.wait_for_function("window.__microgpt.idle")
        page.wait_for_timeout(500)
        assert widget.evaluate("window.__microgpt.phase") == "dormant"
        assert widget.evaluate("window.__microgpt.client") is None, "no worker exists before Train"
        assert [url for url in requests if HEAVY.search(url)] == [], "nothing heavy before Train"
        assert re.search(r"Train loads a Python runtime \(~\d+ MB", widget.text_content("#embed-note"))
        shown = widget.text_content("#embed-settings")
        assert "Embedding width 8" in shown and "Training steps 30" in shown and "Temperature 0.8" in shown
        for hidden in ["#data-controls", "#settings", "#copy-link", "#pause", "#reset", "#sampling-fields"]:
            assert widget.is_hidden(hidden), hidden
        link = widget.locator("#open-full")
        assert link.get_attribute("href") == f"./index.html#{SETTINGS}"
        assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener")

        widget.click("#train")
        widget.wait_for_function("window.__microgpt.phase === 'done'", timeout=120_000)
        assert any(HEAVY.search(url) for url in requests)
        assert [event["step"] for event in widget.evaluate("window.__microgpt.events")] == list(range(1, 31))
        assert widget.evaluate("window.__microgpt.summary.config.n_embd") == 8
        vocab = set(widget.evaluate("window.__microgpt.summary.vocab"))
        widget.click("#generate")
        widget.wait_for_function("window.__microgpt.sampleCount > 0")
        samples = widget.evaluate("window.__microgpt.samples")
        assert len(samples) == 8 and all(set(name) <= vocab for name in samples)
        assert widget.locator("#samples li").count() == 8
        assert widget.evaluate("document.documentElement.scrollWidth") <= 700
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [700, 390])
def test_the_widget_fits_its_column_without_sideways_scrolling(new_context, host, width):
    context, page, widget, requests, errors = open_post(new_context, host("100%"), {"width": width, "height": 900})
    try:
        assert widget.evaluate("document.documentElement.scrollWidth") <= width
        chart = widget.evaluate("document.querySelector('#chart canvas').getBoundingClientRect().width")
        assert chart <= width
        assert errors == []
    finally:
        context.close()


def test_bad_values_in_an_embed_link_are_listed_and_the_widget_still_works(new_context, host):
    url = host(700, fragment=f"embed&{SETTINGS}&n_layer=lots&colour=blue")
    context, page, widget, requests, errors = open_post(new_context, url, {"width": 900, "height": 900})
    try:
        notice = widget.text_content("#link-notice-list")
        assert "n_layer=lots: not a number" in notice and "colour=blue: unknown setting" in notice
        assert "Layers 1" in widget.text_content("#embed-settings")
        assert widget.is_enabled("#train")
        assert widget.evaluate("location.hash") == f"#embed&{SETTINGS}"
        assert errors == []
    finally:
        context.close()


def test_the_widget_keeps_the_run_before_as_a_ghost(new_context, host):
    context, page, widget, requests, errors = open_post(new_context, host(700), {"width": 900, "height": 900})
    try:
        widget.click("#train")
        widget.wait_for_function("window.__microgpt.phase === 'done'", timeout=120_000)
        widget.click("#train")
        widget.wait_for_function("window.__microgpt.phase === 'done' && window.__microgpt.chart.ghost", timeout=120_000)
        ghost = widget.evaluate("window.__microgpt.chart.ghost")
        assert ghost["label"] == "previous run: same settings" and ghost["points"] == 30 and ghost["shown"]
        assert ghost["label"] in widget.text_content("#chart-frame .u-legend")
        assert errors == []
    finally:
        context.close()


def test_a_run_that_ends_in_an_embed_does_not_scroll_the_host_page(new_context, host):
    """Focus follows the keyboard to Generate when the run ends, and Generate is below the host's window: focusing it
    the usual way would scroll the host page (the frame's scroll chains to its host). It must not move."""
    context, page, widget, requests, errors = open_post(new_context, host(700, height=1400, above=600),
                                                        {"width": 900, "height": 600})
    try:
        page.evaluate("window.scrollTo(0, 600)")
        frame = page.locator("iframe").bounding_box()
        generate = widget.locator("#generate").bounding_box()     # in the host page's coordinates
        assert frame["y"] == 0 and generate["y"] > 600, "Generate is below the host page's window"
        widget.focus("#train")
        widget.press("#train", "Enter")
        widget.wait_for_function("window.__microgpt.phase === 'done'", timeout=120_000)
        widget.wait_for_function("document.activeElement.id === 'generate'")
        page.wait_for_timeout(300)
        assert page.evaluate("scrollY") == 600
        assert widget.evaluate("scrollY") == 0
        assert errors == []
    finally:
        context.close()
