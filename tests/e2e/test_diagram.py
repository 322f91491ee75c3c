"""Look inside: one name followed through a diagram of the model, end to end in Chromium. Typing a name shows every
stage of model.py's forward pass with its shape for the model's settings (and other shapes for another n_embd); the
diagram's probability of the right next character is the next-character bars' at temperature 1; "Step once on this
name" takes a real step and shades the stages by their gradients, with Adam's updates listed; the graph of one MLP
neuron is drawn with data and grad; a stage links to its lines in the Code step; axe finds no violation, light and
dark."""

import json
import pathlib

import pytest

from tests.e2e.test_insight_views import follow, train

ROOT = pathlib.Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAYER_STAGES = ["attn_norm", "q", "k", "v", "scores", "weights", "heads", "attn_out", "attn_residual", "mlp_norm",
                "fc1", "relu", "fc2", "mlp_residual"]


def expected_ids(n_layer):
    return (["tok_emb", "pos_emb", "embed", "embed_norm"]
            + [f"layer{layer}.{name}" for layer in range(1, n_layer + 1) for name in LAYER_STAGES]
            + ["logits", "probs", "p", "loss"])


def stages(driver):
    """[(id, label, shape text)] of the diagram as shown."""
    return driver.page.evaluate("""() => [...document.querySelectorAll('#diagram .stage')].map((stage) => [
        stage.dataset.stage, stage.querySelector('.stage-label').textContent,
        stage.querySelector('.stage-shape').textContent])""")


def test_a_typed_name_shows_every_stage_with_its_shape_and_shapes_follow_n_embd(driver):
    train(driver, num_steps=20, n_layer=2, n_head=2, n_embd=8)
    follow(driver, "emma", 2)
    shown = stages(driver)
    assert [stage_id for stage_id, _, _ in shown] == expected_ids(2)
    shapes = {stage_id: shape for stage_id, _, shape in shown}
    vocab = driver.state("summary.vocab_size")
    assert shapes["embed"] == "8 (n_embd)"
    assert shapes["layer1.q"] == "2 heads × 4 (head_dim)"
    assert shapes["layer2.weights"] == "2 heads × 3 positions so far", "position 2 reads three positions"
    assert shapes["layer1.fc1"] == "32 (4 × n_embd)"
    assert shapes["logits"] == f"{vocab} (vocab)"
    assert shapes["loss"] == "1 number"
    # Layers are numbered from 1 in the groups' titles too.
    titles = driver.page.locator("#diagram .group-title").all_text_contents()
    assert titles == ["Embeddings", "Layer 1 · attention", "Layer 1 · MLP", "Layer 2 · attention", "Layer 2 · MLP",
                      "Output"]
    # Opened, a stage shows a cell per number, with its value on hover and in a table.
    stage = driver.page.locator("#diagram .stage[data-stage='layer1.q']")
    stage.locator(".stage-box > summary").click()
    cells = stage.locator(".cell-rows:not(.grad-rows) .cell")
    cells.nth(7).wait_for()
    assert cells.count() == 8
    assert cells.first.get_attribute("title").startswith("head 1, dimension 0: ")
    cells.first.focus()
    driver.page.keyboard.press("ArrowRight")
    assert stage.locator(".stage-cell-readout").text_content().startswith("head 1, dimension 1: ")
    stage.locator(".as-table summary").click()
    stage.locator(".stage-table tbody tr").nth(7).wait_for()
    assert stage.locator(".stage-table tbody tr").count() == 8
    # A bad name gets the trace's one line, and the diagram stays.
    driver.page.fill("#trace-name", "em!a")
    driver.page.wait_for_selector("#trace-message:not([hidden])")
    assert "!" in driver.page.text_content("#trace-message")
    assert driver.page.locator("#diagram .stage").count() == len(expected_ids(2))

    train(driver, num_steps=20, n_layer=1, n_head=4, n_embd=16)
    follow(driver, "anna", 4)
    shapes = {stage_id: shape for stage_id, _, shape in stages(driver)}
    assert list(shapes) == expected_ids(1)
    assert shapes["embed"] == "16 (n_embd)"
    assert shapes["layer1.q"] == "4 heads × 4 (head_dim)"
    assert shapes["layer1.fc1"] == "64 (4 × n_embd)"
    assert shapes["layer1.scores"] == "4 heads × 5 positions so far"


def test_the_final_probability_is_the_bars_and_the_views_live_in_their_stages(driver):
    train(driver, num_steps=30)
    follow(driver, "mona", 2)
    page = driver.page
    # The bars are at the softmax stage, the maps at the attention weights, the embedding map at the token embedding.
    assert page.locator("#diagram .stage[data-stage='probs'] #next-token").count() == 1
    # A part asks for its data once its stage is open and on screen.
    page.locator("#diagram .stage[data-stage='layer1.weights']").scroll_into_view_if_needed()
    page.wait_for_selector("#diagram .heatmap")
    assert page.locator("#diagram .stage[data-stage='layer1.weights'] .heatmaps .heatmap").count() == 4
    assert page.locator("#diagram .stage[data-stage='tok_emb'] #emb-map").count() == 1
    page.locator("#next-token").scroll_into_view_if_needed()
    page.wait_for_function("document.getElementById('nt-caption').textContent.includes('After “mo”')")
    page.wait_for_selector("#nt-bars .bar-row.target")
    p = float(page.get_attribute("#diagram .stage[data-stage='p']", "data-value"))
    target = page.locator("#nt-bars .bar-row.target")
    assert target.locator(".bar-label").text_content() == "n", "the right next character after “mo” is “n”"
    assert float(target.get_attribute("data-prob-t1")) == pytest.approx(p, rel=1e-9, abs=1e-12)
    # The maps are as wide as the card allows (not ~115 px in a 1,100 px card).
    width = page.evaluate("document.querySelector('#diagram .heatmap table').getBoundingClientRect().width")
    assert width > 180
    # The embedding map highlights the character read here, and no two letters overlap.
    page.locator("#embeddings").scroll_into_view_if_needed()
    page.wait_for_selector("#emb-map .emb-mark.current")
    assert page.locator("#emb-map .emb-mark.current").get_attribute("data-label") == "o"
    page.wait_for_timeout(500)      # letters glide for 0.35 s
    boxes = page.evaluate("""() => [...document.querySelectorAll('#emb-map .emb-glyph')].map((g) => {
        const box = g.querySelector('.emb-ring').getBoundingClientRect();
        return [box.x + box.width / 2, box.y + box.height / 2, box.width / 2]; })""")
    for i, (x1, y1, r1) in enumerate(boxes):
        for x2, y2, r2 in boxes[i + 1:]:
            assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= 0.9 * (r1 + r2) - 1, "labels overlap"
    # A stage links to its lines in the Code step.
    page.evaluate("document.querySelector(\"#diagram .stage[data-stage='layer1.q'] .stage-box\").open = true")
    page.locator("#diagram .stage[data-stage='layer1.q'] [data-code-lines]").click()
    page.wait_for_function("!document.getElementById('code-mark').hidden")
    assert page.text_content("#code-purpose").startswith("Layer 1: queries, lines ")


def test_step_once_on_this_name_shades_stages_by_gradient_and_draws_the_graph(driver):
    driver.use_builtin()
    driver.set_setting("num_steps", 300)
    driver.train(wait_for=None)
    driver.wait_step(3)
    driver.page.click("#pause")
    driver.wait_phase("paused")
    follow(driver, "emma", 1)
    page = driver.page
    page.locator("#graph summary").click()
    assert page.evaluate("document.getElementById('graph').open"), "the graph's section opened: the step brings its graph"
    steps_before = len(driver.state("events"))
    page.click("#trace-step")
    page.wait_for_selector("#trace-step-result:not([hidden])")
    assert len(driver.state("events")) == steps_before + 1, "one real training step, on the chart"
    blamed = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#diagram .stage.blamed')]
        .map((stage) => [stage.dataset.stage, Number(stage.dataset.blame)]))""")
    assert set(blamed) == set(expected_ids(1)) - {"tok_emb", "pos_emb", "probs", "p", "loss"}
    assert max(blamed.values()) == 1 and min(blamed.values()) < 1
    assert "gradient size" in page.locator("#diagram .stage[data-stage='logits'] .stage-blame").text_content()
    page.evaluate("document.querySelector(\"#diagram .stage[data-stage='logits'] .stage-box\").open = true")
    page.wait_for_function("document.querySelectorAll(\"#diagram .stage[data-stage='logits'] .cells.grad .cell\").length > 0")
    assert page.locator("#diagram .stage[data-stage='logits'] .cells.grad .cell").count() == driver.state(
        "summary.vocab_size")
    rows = page.locator("#trace-updates tr")
    assert rows.count() == 3 + 6, "wte, wpe, lm_head and the layer's 6 matrices"
    assert "→" in rows.first.text_content()
    assert "e-" not in page.text_content("#trace-updates"), "numbers written out, no e-notation"
    assert "layer 1 " in page.text_content("#trace-updates")
    # The graph of one neuron came with the step: boxes with data and grad, edges between them.
    assert page.locator("#trace-message").is_hidden(), page.text_content("#trace-message")
    assert page.locator("#graph-svg .graph-node").count() > 10, page.text_content("#graph-caption")
    node = page.locator("#graph-svg .graph-node.neuron")
    assert node.locator(".node-data").text_content().startswith("data ")
    assert node.locator(".node-grad").text_content().startswith("grad ") and "–" not in node.locator(".node-grad").text_content()
    assert page.locator("#graph-svg .graph-edges path").count() >= page.locator("#graph-svg .graph-node").count() - 1
    assert page.locator("#graph-svg .op-text", has_text="relu").count() == 1
    assert "scalar copy" in page.text_content("#graph-caption"), "the fast engine says whose graph it is"
    # A neuron that does not exist gets one line.
    page.fill("#graph-neuron", "9999")
    page.click("#graph-draw")
    page.wait_for_selector("#graph-message:not([hidden])")
    assert "neuron" in page.text_content("#graph-message")
    page.fill("#graph-neuron", "")
    page.click("#graph-draw")
    page.wait_for_selector("#graph-message", state="hidden")
    assert "no gradients yet" in page.text_content("#graph-caption")


def jump_and_watch(driver, selector):
    """Scroll `selector` to the middle of the window, as a link or a click does, and its top over the next 1.5 s."""
    return driver.page.evaluate("""(selector) => new Promise((resolve) => {
        const target = document.querySelector(selector);
        target.scrollIntoView({ block: 'center' });
        const tops = [], start = performance.now();
        const sample = () => {
          tops.push(target.getBoundingClientRect().top);
          if (performance.now() - start < 1500) requestAnimationFrame(sample); else resolve(tops);
        };
        sample();
    })""", selector)


def test_a_jump_below_the_diagram_lands_where_it_stays(driver):
    """The parts of the stages open at first (the embedding map, the attention maps, the next-character bars) are
    drawn only once on screen, and an off-screen stage is not rendered at all: the room they take is kept before, so
    what the reader jumps to below them (the next stage, the neuron's graph) is not pushed away as they come into
    view (a click on the graph's heading once landed elsewhere)."""
    train(driver, num_steps=30)
    follow(driver, "emma", 1)
    page = driver.page
    drawn = "[...document.querySelectorAll('#diagram .heatmap')].filter((map) => !map.classList.contains('pending')).length"
    assert page.evaluate(drawn) == 0 and page.locator("#diagram .heatmap.pending").count() == 4, "maps laid out, blank"
    assert page.evaluate("document.getElementById('nt-bars').children.length") == 0, "the bars wait to be seen"
    for selector, part, came in [
            ("#diagram .stage[data-stage='pos_emb'] summary", "the embedding map",
             "document.getElementById('emb-x').textContent.length"),
            ("#diagram .stage[data-stage='layer1.heads'] summary", "the maps", drawn),
            ("#graph summary", "the bars", "document.getElementById('nt-bars').children.length")]:
        tops = jump_and_watch(driver, selector)
        assert page.evaluate(came) > 0, f"{part} came into view"
        moved = max(tops, key=lambda top: abs(top - tops[0]))
        assert abs(moved - tops[0]) <= 4, f"{selector} moved from {tops[0]:.0f} px to {moved:.0f} px as {part} came"


def test_on_a_phone_the_attention_maps_are_drawn_when_they_alone_are_on_screen(driver):
    """On a phone a layer's maps (laid out blank from the trace) fill the screen while the legend and caption above
    them are out of it: the maps being seen is enough for them to be asked and drawn."""
    driver.page.set_viewport_size({"width": 390, "height": 844})
    train(driver, num_steps=30)
    follow(driver, "emma", 1)
    page = driver.page
    page.evaluate("document.querySelector('#diagram .heatmaps').scrollIntoView({ block: 'start' })")
    assert page.evaluate("document.getElementById('attention').getBoundingClientRect().bottom") < 0
    page.wait_for_function("document.querySelectorAll('#diagram .heatmap:not(.pending)').length === 4")


def test_the_diagram_drawn_on_a_desktop_fits_a_phone_when_the_window_narrows(driver):
    """Stages off screen are not rendered (content-visibility): their remembered desktop width must not hold the
    diagram wide once the window is narrow."""
    train(driver, num_steps=10)
    follow(driver, "anna", 2)
    page = driver.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(150)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("document.getElementById('diagram').getBoundingClientRect().right") <= 390


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_in_the_diagram(new_driver, scheme):
    driver = new_driver(color_scheme=scheme)
    driver.open()
    driver.set_setting("num_steps", 10)
    driver.train("done")
    follow(driver, "emma", 2)
    page = driver.page
    for stage_id in ["embed", "layer1.q", "layer1.fc1", "logits"]:
        page.locator(f"#diagram .stage[data-stage='{stage_id}'] .stage-box > summary").click()
    page.locator("#graph summary").click()
    page.click("#graph-draw")
    page.wait_for_function("document.querySelectorAll('#graph-svg .graph-node').length > 10")
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate("axe.run(document.getElementById('insight'), {resultTypes: ['violations']})")
    problems = [(v["id"], v["help"], [node["target"] for node in v["nodes"]][:5]) for v in result["violations"]]
    assert problems == [], json.dumps(problems, indent=1, ensure_ascii=False)
    assert driver.console_errors == []


def test_no_console_errors(driver):
    assert driver.console_errors == []
