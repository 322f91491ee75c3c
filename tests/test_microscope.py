"""One step under the microscope: the per-position breakdown is read from the step the trainer takes, averages to its
loss bit for bit, and leaves the run exactly as it would have been (both engines). Also the shapes beside the code."""

import json

import pytest

from microgpt.config import Config
from microgpt.model import parameter_shapes
from microgpt.session import Session, UserError
from microgpt.shapes import annotations, forward_shapes
from microgpt.train import Run

DOCS = ["anna", "bob", "cyril", "dora", "eve", "frank", "gus", "hanna", "ivo", "jo", "kristoffersen"] * 3
TINY = dict(n_embd=8, n_head=2, block_size=8, num_steps=12, eval_every=4, eval_docs=5)
ENGINES = ["scalar", "fast"]


def run(engine, **changes):
    return Run(Config.from_dict({**TINY, "engine": engine, **changes}), DOCS)


@pytest.mark.parametrize("engine", ENGINES)
def test_per_position_losses_average_to_the_step_loss_bit_for_bit(engine):
    r = run(engine)
    for _ in range(5):
        detail = {}
        loss = r.train_step(detail)
        terms = [position["loss"] for position in detail["positions"]]
        assert (1 / len(terms)) * sum(terms) == loss
        assert len(terms) == min(r.config.block_size, len(detail["tokens"]) - 1)
        assert detail["tokens"] == r.tokens(detail["doc"])
        for position in detail["positions"]:
            assert 0 < position["p"] <= 1
            assert position["target"] == detail["tokens"][position["pos"] + 1]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_microscope_step_leaves_the_run_unchanged(engine):
    plain, looked_at = run(engine), run(engine)
    plain_records = list(plain.steps())
    looked_records = list(looked_at.steps(until=5)) + [looked_at.advance({})] + list(looked_at.steps())
    strip = lambda records: [{k: v for k, v in record.items() if k != "elapsed"} for record in records]
    assert strip(looked_records) == strip(plain_records)
    assert looked_at.model.weights == plain.model.weights
    assert looked_at.optimizer.m == plain.optimizer.m and looked_at.rng.getstate() == plain.rng.getstate()


@pytest.mark.parametrize("engine", ENGINES)
def test_update_norms_name_every_matrix_largest_first(engine):
    r = run(engine)
    before = {name: [list(row) for row in mat] for name, mat in r.model.weights.items()}   # fast: updated in place
    detail = {}
    r.train_step(detail)
    after = r.model.weights
    updates = detail["updates"]
    assert [u["name"] for u in sorted(updates, key=lambda u: u["name"])] == sorted(before)
    norms = [u["update_norm"] for u in updates]
    assert norms == sorted(norms, reverse=True) and norms[0] > 0
    top = updates[0]
    expected = sum((b - a) ** 2 for old, new in zip(before[top["name"]], after[top["name"]])
                   for a, b in zip(old, new)) ** 0.5
    assert top["update_norm"] == pytest.approx(expected)


def call(session, kind, payload=None):
    return json.loads(session.handle(kind, json.dumps(payload or {})))


def test_session_step_once_is_the_next_training_step():
    text = "\n".join(DOCS)
    a, b = Session(), Session()
    for s in (a, b):
        call(s, "configure", {"config": {**TINY, "engine": "fast"}, "data": {"source": "text", "text": text}})
    first = call(a, "train", {"budget_ms": 10_000})["events"]
    call(b, "train", {"budget_ms": 0})          # one step: a chunk is at least one step
    once = call(b, "step_once")
    rest = call(b, "train", {"budget_ms": 10_000})["events"]
    assert once["event"]["step"] == 2 and once["step"] == 2
    assert [e["loss"] for e in first] == [first[0]["loss"], once["event"]["loss"]] + [e["loss"] for e in rest]
    assert len(once["positions"]) == len(once["tokens"]) - 1 and once["bos"] == len(once["vocab"])
    assert once["doc"] == "".join(once["vocab"][t] for t in once["tokens"][1:-1])
    with pytest.raises(UserError, match="finished all 12 steps"):
        call(a, "step_once")


def test_sample_reports_mean_length_and_share_in_training():
    s = Session()
    call(s, "configure", {"config": {**TINY, "engine": "fast", "num_steps": 30},
                          "data": {"source": "text", "text": "\n".join(["ab"] * 40)}})
    call(s, "train", {"budget_ms": 10_000})
    reply = call(s, "sample", {"sample_seed": 3, "num_samples": 10, "temperature": 0.2})
    assert reply["mean_length"] == sum(map(len, reply["samples"])) / 10
    assert reply["in_training"] == sum(name == "ab" for name in reply["samples"]) / 10 > 0.5


def test_shapes_follow_the_config_and_count_every_parameter():
    config = Config(n_embd=12, n_head=3, n_layer=2, block_size=8)
    shapes = forward_shapes(config, 27)
    by_what = {line["what"]: line for line in shapes["lines"]}
    assert by_what["q"]["shape"] == "12 → 3 heads × 4"
    assert by_what["mlp hidden"]["shape"] == "12 → 48"
    assert by_what["attention logits"]["shape"].startswith("1 × t")
    assert by_what["layers"]["shape"].startswith("2 layers")
    assert len(by_what) == len(annotations(config, 27))       # every annotated line is still in model.py
    matrices = [m for line in shapes["lines"] for m in line["matrices"]]
    per_layer = {name.split(".", 1)[1]: rows * cols for name, rows, cols in parameter_shapes(config, 27)
                 if name.startswith("layer0.")}
    assert {m["name"]: m["params"] for m in matrices if m["name"] in per_layer} == per_layer
    assert shapes["num_params"] == sum(r * c for _, r, c in parameter_shapes(config, 27))
    import inspect
    import microgpt.model
    source = inspect.getsource(microgpt.model).splitlines()
    for line in shapes["lines"]:
        assert source[line["line"] - 1].strip().startswith(line["statement"])


def test_session_shapes_checks_its_payload():
    s = Session()
    lines = call(s, "shapes", {"config": {"n_embd": 8, "n_head": 2}})["lines"]
    assert next(line for line in lines if line["what"] == "q")["shape"] == "8 → 2 heads × 4"
    with pytest.raises(UserError, match="vocab_size"):
        call(s, "shapes", {"vocab_size": "many"})
    with pytest.raises(UserError, match="n_embd"):
        call(s, "shapes", {"config": {"n_embd": 7}})
