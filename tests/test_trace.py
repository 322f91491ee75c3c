"""A name traced through the model (microgpt/trace.py): the trace's numbers are the model's own forward on both
engines, its gradients the engines' own backward, stepping once on a name leaves the run as training on it would,
the Value graph of one neuron is the scalar engine's, and the Session's `trace` request and `inspect --trace`."""

import json

import pytest

from microgpt import checkpoint, trace
from microgpt.config import Config
from microgpt.model import ScalarModel
from microgpt.session import Session, UserError
from microgpt.train import Run, model_class
from tests.test_cli import cli

DOCS = ["anna", "bob", "cyril", "dora", "eve", "frank", "gus", "hanna", "ivo", "jo", "emma", "mona"]
SMALL = dict(n_embd=8, n_head=2, n_layer=2, block_size=8, num_steps=30, eval_every=0)
ENGINES = ["scalar", "fast"]
GRAD_RELATIVE, GRAD_ABSOLUTE = 1e-9, 1e-12     # the engines' gradients agree to rounding (test_fast_engine.py)


def trained_run(engine, steps=5, **changes):
    run = Run(Config.from_dict({**SMALL, "engine": engine, **changes}), DOCS)
    for _ in range(steps):
        run.train_step()
    return run


def stages_by_id(payload):
    return {stage["id"]: stage for stage in payload["stages"]}


def flat(values):
    if not isinstance(values, list):
        return [values]
    return [x for row in values for x in (row if isinstance(row, list) else [row])]


def assert_close(actual, expected, what):
    for i, (a, e) in enumerate(zip(flat(actual), flat(expected), strict=True)):
        assert abs(a - e) <= max(GRAD_RELATIVE * abs(e), GRAD_ABSOLUTE), (what, i, a, e)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("position", [0, 2, 4])
def test_the_trace_logits_are_the_models_forward(engine, position):
    run = trained_run(engine)
    payload = trace.trace(run.model, run.tokenizer, "emma", position)
    cache = run.model.new_cache()
    tokens = run.tokenizer.document_tokens("emma")
    for pos_id in range(position + 1):
        logits = run.model.logits(tokens[pos_id], pos_id, cache)
    stages = stages_by_id(payload)
    assert max(abs(a - b) for a, b in zip(stages["logits"]["values"], logits, strict=True)) <= 1e-12
    probs = stages["probs"]["values"]
    assert payload["p"] == probs[tokens[position + 1]] and abs(sum(probs) - 1) < 1e-12
    assert payload["input"]["token"] == tokens[position] and payload["target"]["token"] == tokens[position + 1]
    assert all(stage["grad"] is None for stage in payload["stages"])


def test_every_stage_in_the_order_of_model_py_with_its_shape_and_lines():
    run = trained_run("fast", n_layer=2)
    payload = trace.trace(run.model, run.tokenizer, "emma", 3)
    layer = ["attn_norm", "q", "k", "v", "scores", "weights", "heads", "attn_out", "attn_residual", "mlp_norm",
             "fc1", "relu", "fc2", "mlp_residual"]
    assert [stage["id"] for stage in payload["stages"]] == (
        ["tok_emb", "pos_emb", "embed", "embed_norm"] + [f"layer1.{name}" for name in layer]
        + [f"layer2.{name}" for name in layer] + ["logits", "probs", "p", "loss"])
    stages = stages_by_id(payload)
    vocab_size = run.tokenizer.vocab_size
    assert stages["layer2.q"]["shape"] == [2, 4] and stages["layer2.scores"]["shape"] == [2, 4]
    assert stages["layer1.fc1"]["shape"] == [32] and stages["logits"]["shape"] == [vocab_size]
    assert stages["loss"]["shape"] == [] and stages["layer2.attn_out"]["matrix"] == "layer1.attn_wo"
    for stage in payload["stages"]:
        shape = stage["shape"]
        assert len(flat(stage["values"])) == (shape[0] * (shape[1] if len(shape) == 2 else 1) if shape else 1)
    source = open(trace.ScalarModel.forward.__code__.co_filename, encoding="utf-8").read().splitlines()
    assert source[stages["layer1.q"]["lines"]["first"] - 1].strip().startswith("q = linear(")
    assert source[stages["layer1.mlp_norm"]["lines"]["first"] - 1].strip() == "x = rmsnorm(x)"
    assert source[stages["layer1.relu"]["lines"]["first"] - 1].strip() == "x = [xi.relu() for xi in x]"
    scores = stages["layer1.scores"]["lines"]
    assert [line.strip()[:14] for line in source[scores["first"] - 1:scores["last"]]] == ["attn_logits = ",
                                                                                           "for t in range"]
    assert all(sum(row) == pytest.approx(1) for row in stages["layer1.weights"]["values"])
    assert stages["loss"]["values"] == pytest.approx(-__import__("math").log(payload["p"]))


def test_the_step_gradients_are_the_engines_backward_on_both_engines():
    """The same run on both engines (same initial weights): at step 0 each engine's stage gradients are its own
    backward's (the position's rows of wpe get exactly the embedding's gradient), and they agree to rounding."""
    payloads = {}
    for engine in ENGINES:
        run = trained_run(engine, steps=0)
        weights = {name: [list(row) for row in rows] for name, rows in run.model.weights.items()}
        _, grads = model_class(engine)(run.config, run.tokenizer.vocab_size, weights).loss_and_grads(
            run.tokenizer.document_tokens("emma"))
        payloads[engine] = payload = trace.step_on(run, "emma", 2)
        stages = stages_by_id(payload)
        assert stages["embed"]["grad"] == grads["wpe"][2]
        assert stages["tok_emb"]["grad"] is None and stages["probs"]["grad"] is None
    scalar, fast = stages_by_id(payloads["scalar"]), stages_by_id(payloads["fast"])
    assert scalar.keys() == fast.keys()
    for stage_id, stage in scalar.items():
        assert fast[stage_id]["values"] == stage["values"], stage_id     # the forward: bit for bit
        if stage["grad"] is not None:
            assert_close(fast[stage_id]["grad"], stage["grad"], stage_id)
    assert sum(stage["grad"] is not None for stage in scalar.values()) == 2 + 14 * SMALL["n_layer"] + 1


@pytest.mark.parametrize("engine", ENGINES)
def test_stepping_on_a_name_leaves_the_run_as_training_on_it_would(engine):
    """Run A steps once on "ida" (not a training document) at step 5; run B, driven directly, has "ida" in place of
    its step-5 document and trains: parameters, optimizer state, step and random stream are the same, bit for bit,
    and stay so for the steps after."""
    stepped, driven = trained_run(engine), trained_run(engine)
    scheduled = driven.dataset.train[5 % len(driven.dataset.train)]
    payload = trace.step_on(stepped, "ida", 1)
    driven.dataset.train[5 % len(driven.dataset.train)] = "ida"
    loss = driven.train_step()
    assert payload["training_step"]["event"] == {"step": 6, "loss": loss, "lr": pytest.approx(0.01 * (1 - 5 / 30))}
    assert payload["training_step"]["replaced"] == scheduled and not payload["training_step"]["in_training"]
    driven.dataset.train[5 % len(driven.dataset.train)] = scheduled
    for _ in range(3):
        assert stepped.model.weights == driven.model.weights
        assert (stepped.optimizer.m, stepped.optimizer.v) == (driven.optimizer.m, driven.optimizer.v)
        assert stepped.step == driven.step and stepped.rng.getstate() == driven.rng.getstate()
        assert stepped.train_step() == driven.train_step()


def test_the_updates_say_what_adam_changed():
    run = trained_run("fast")
    before = {name: [list(row) for row in rows] for name, rows in run.model.weights.items()}
    updates = {update["name"]: update for update in trace.step_on(run, "emma", 0)["training_step"]["updates"]}
    assert set(updates) == set(before)
    fc1 = updates["layer1.mlp_fc1"]
    assert (fc1["layer"], fc1["part"], fc1["rows"], fc1["cols"]) == (2, "mlp_fc1", 32, 8)
    after = run.model.weights["layer1.mlp_fc1"]
    changes = sorted((abs(after[i][j] - before["layer1.mlp_fc1"][i][j]) for i in range(32) for j in range(8)),
                     reverse=True)
    assert [abs(c["after"] - c["before"]) for c in fc1["largest"]] == changes[:trace.TOP_CHANGES]
    assert all(after[c["row"]][c["col"]] == c["after"] for c in fc1["largest"])
    assert updates["wte"]["layer"] is None


@pytest.mark.parametrize("engine", ENGINES)
def test_the_value_graph_of_one_neuron(engine):
    """relu(fc1[j]) over n_embd inputs: the relu, n_embd additions, n_embd products, n_embd weights, n_embd inputs
    and the 0 the sum starts from; its grads are the scalar engine's backward of the same step."""
    run = trained_run(engine)
    weights = {name: [list(row) for row in rows] for name, rows in run.model.weights.items()}  # fast: updated in place
    _, grads = ScalarModel(run.config, run.tokenizer.vocab_size, weights).loss_and_grads(
        run.tokenizer.document_tokens("emma"))
    payload = trace.step_on(run, "emma", 2, {"layer": 2, "neuron": 5})
    graph = payload["graph"]
    width = SMALL["n_embd"]
    assert (graph["layer"], graph["neuron"], graph["truncated"]) == (2, 5, False)
    assert graph["source"] == ("running" if engine == "scalar" else "scalar copy")
    nodes = graph["nodes"]
    assert len(nodes) == 4 * width + 2 and len(graph["edges"]) == 4 * width + 1
    kinds = [node["kind"] for node in nodes]
    assert kinds.count("weight") == kinds.count("input") == width and kinds.count("constant") == 1
    operations = [node["op"] for node in nodes if node["kind"] == "operation"]
    assert operations.count("+") == operations.count("*") == width and len(operations) == 2 * width
    assert all(node["op"] == "*" for node in nodes if node["kind"] == "input")   # x_i * scale, not walked below
    root = nodes[0]
    stages = stages_by_id(payload)
    assert (root["op"], root["label"]) == ("relu", "relu(fc1[5])")
    assert root["data"] == stages["layer2.relu"]["values"][5]
    assert_close(root["grad"], stages["layer2.relu"]["grad"][5], "root")
    by_label = {node["label"]: node for node in nodes}
    for i in range(width):
        weight = by_label[f"w[5][{i}]"]
        assert weight["data"] == weights["layer1.mlp_fc1"][5][i]
        assert weight["grad"] == grads["layer1.mlp_fc1"][5][i]     # the same scalar backward, bit for bit
        assert by_label[f"x[{i}]"]["data"] == stages["layer2.mlp_norm"]["values"][i]
    for edge in graph["edges"]:           # each edge's local derivative: + passes 1, * the other factor
        parent = nodes[edge["to"]]
        if parent["op"] == "*":
            others = [nodes[e["from"]]["data"] for e in graph["edges"] if e["to"] == edge["to"] and e != edge]
            assert edge["local_grad"] == others[0]


def test_the_graph_without_a_step_and_its_cap():
    run = trained_run("fast")
    graph = trace.trace_graph(run.model, run.tokenizer.document_tokens("emma"), 1, {})
    relu = stages_by_id(trace.trace(run.model, run.tokenizer, "emma", 1))["layer1.relu"]["values"]
    assert graph["neuron"] == relu.index(max(relu)) and graph["nodes"][0]["data"] == max(relu)
    assert all(node["grad"] is None for node in graph["nodes"])
    wide = trained_run("scalar", steps=0, n_embd=80, n_head=1, n_layer=1)
    graph = trace.trace_graph(wide.model, wide.tokenizer.document_tokens("emma"), 0, {"neuron": 0})
    assert graph["truncated"] and len(graph["nodes"]) == trace.MAX_GRAPH_NODES
    assert sum(node.get("hidden_children", 0) for node in graph["nodes"]) > 0


def call(session, request_type, payload=None):
    return json.loads(session.handle(request_type, json.dumps(payload or {})))


def test_the_session_trace_request():
    session = Session()
    call(session, "configure", {"config": SMALL, "data": {"source": "text", "text": "\n".join(DOCS)}})
    reply = call(session, "trace", {"name": "emma", "position": 2})
    assert reply["step"] == 0 and reply["labels"] == ["<start>", "e", "m", "m", "a", "<end>"]
    assert len(json.dumps(reply)) < 20_000
    reply = call(session, "trace", {"name": "emma", "position": 2, "grad": True, "graph": {"layer": 1}})
    assert reply["step"] == 1 and reply["training_step"]["event"]["step"] == 1 and reply["graph"]["layer"] == 1
    assert all(isinstance(stage["grad"], list) for stage in reply["stages"] if stage["name"] == "q")
    assert call(session, "state")["step"] == 1


@pytest.mark.parametrize("payload, words", [
    ({"name": "", "position": 0}, "name: empty; type a name of 1 to 7 characters"),
    ({"name": "emQa", "position": 0}, "name: 'Q' not in the vocabulary; allowed characters are"),
    ({"name": "annabella", "position": 0}, "name: 'annabella' has 9 characters, longer than the context"),
    ({"name": "emma", "position": 5}, "position: 5 is past the end of 'emma': its positions go from 0"),
    ({"name": "emma", "position": "2"}, "position: '2' is not a whole number"),
    ({"name": "emma", "position": -1}, "position: -1 is past the end of 'emma'"),
    ({"name": 3, "position": 0}, "name: expected the name as text, got int"),
    ({"name": "emma", "position": 0, "grad": "yes"}, "grad: 'yes' is not true or false"),
    ({"name": "emma", "position": 0, "graph": {"layer": 3}}, "graph.layer: 3 is not a layer of this model: 1 to 2"),
    ({"name": "emma", "position": 0, "graph": {"neuron": 32}}, "graph.neuron: 32 is not a neuron of the MLP: 0 to 31"),
    ({"name": "emma", "position": 0, "graph": {"x": 1}}, "graph: unknown key 'x'; allowed are layer and neuron"),
])
def test_bad_trace_requests_are_one_clear_line_and_change_nothing(payload, words):
    session = Session()
    call(session, "configure", {"config": SMALL, "data": {"source": "text", "text": "\n".join(DOCS)}})
    with pytest.raises(UserError, match="^" + __import__("re").escape(words)) as error:
        session.handle("trace", json.dumps({**payload, "grad": payload.get("grad", True)}))
    assert "\n" not in str(error.value)
    assert call(session, "state")["step"] == 0


def test_an_edited_model_is_traced_and_one_without_the_hook_is_refused():
    original = __import__("inspect").getsource(__import__("microgpt.model").model)
    session = Session()
    session.handle("edit", json.dumps({"source": original.replace("x = [xi.relu() for xi in x]",
                                                                  "x = [xi.tanh() for xi in x]")}))
    call(session, "configure", {"config": SMALL, "data": {"source": "text", "text": "\n".join(DOCS)}, "edited": True})
    reply = call(session, "trace", {"name": "emma", "position": 1, "grad": True, "graph": {}})
    assert reply["engine"] == "scalar" and reply["graph"]["source"] == "running"
    assert reply["graph"]["nodes"][0]["op"] == "tanh" and min(stages_by_id(reply)["layer1.relu"]["values"]) < 0
    hookless = "\n".join(line for line in original.splitlines() if not line.strip().startswith("if record:"))
    hookless = hookless.replace(", record=None", "").replace(", record=record", "").replace(", record)", ")")
    session.handle("edit", json.dumps({"source": hookless}))
    call(session, "configure", {"config": SMALL, "data": {"source": "text", "text": "\n".join(DOCS)}, "edited": True})
    with pytest.raises(UserError, match=r"^trace: this model's loss\(\) has no `record` hook"):
        session.handle("trace", json.dumps({"name": "emma", "position": 1}))


def test_a_model_with_block_size_1_has_no_room_for_a_name():
    run = trained_run("fast", steps=0, block_size=1)
    with pytest.raises(Exception, match="^name: block_size 1 holds only the start token"):
        trace.trace(run.model, run.tokenizer, "a", 0)


def test_a_finished_run_has_no_step_to_take_on_a_name():
    run = trained_run("fast", steps=30)
    with pytest.raises(Exception, match="step: the run has taken all its 30 steps"):
        trace.step_on(run, "emma", 0)


def test_the_cli_prints_the_trace_and_with_grad_the_step(tmp_path):
    run = trained_run("fast", steps=10)
    path = tmp_path / "m.json"
    path.write_text(checkpoint.to_json(run))
    expected = trace.trace(run.model, run.tokenizer, "emma", 2)
    result = cli("inspect", "--checkpoint", path, "--trace", "emma", "--position", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "trace of 'emma' at position 2: reads m, the right next character is m" in lines
    logits = lines.index(next(line for line in lines if line.startswith("logits (lm_head)")))
    assert lines[logits + 1].split() == [f"{x:+.4f}" for x in stages_by_id(expected)["logits"]["values"]]
    assert lines[lines.index(next(line for line in lines if line.startswith("layer 2 queries (attn_wq): 2 × 4")))]
    assert not any(line.strip().startswith("grad ") for line in lines)
    stepped = trace.step_on(Run.restore(checkpoint.load(path)), "emma", 2)
    result = cli("inspect", "--checkpoint", path, "--trace", "emma", "--position", "2", "--grad")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    q = lines.index(next(line for line in lines if line.startswith("layer 1 queries")))
    assert lines[q + 2] == "  grad " + " | ".join(" ".join(f"{x:+.4f}" for x in row)
                                                 for row in stages_by_id(stepped)["layer1.q"]["grad"])
    assert any(line.startswith("  layer 1 mlp_fc1") for line in lines)
    assert json.loads(path.read_text())["step"] == 10


@pytest.mark.parametrize("args, words", [
    (["--trace", "emma", "--position", "9"], "position: 9 is past the end of 'emma'"),
    (["--trace", "", "--position", "0"], "name: empty"),
    (["--trace", "e1"], "name: '1' not in the vocabulary"),
    (["--trace", "emma", "--position", "two"], "--position: 'two' is not a whole number"),
    (["--grad"], "--grad: shows the gradients of a trace; give --trace NAME too"),
])
def test_cli_trace_refusals_are_one_error_line(tmp_path, args, words):
    path = tmp_path / "m.json"
    path.write_text(checkpoint.to_json(trained_run("fast", steps=2)))
    result = cli("inspect", "--checkpoint", path, *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and words in result.stderr

