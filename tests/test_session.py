"""The worker's adapter: JSON requests in, JSON replies out, user mistakes as UserError, nothing lost on failure."""

import json

import pytest

from microgpt.config import Config
from microgpt.session import Session, UserError
from microgpt.train import Run

TINY = {"n_embd": 8, "n_head": 2, "block_size": 8, "num_steps": 20, "eval_every": 5, "eval_docs": 10,
        "engine": "scalar"}
TEXT = "anna\nbob\ncyril\ndora\neve\nfrank\ngus\nhanna\nivo\njo\n"


def call(session, kind, payload=None):
    return json.loads(session.handle(kind, json.dumps(payload or {})))


@pytest.fixture
def session():
    s = Session()
    call(s, "configure", {"config": TINY, "data": {"source": "text", "text": TEXT}})
    return s


def test_schema_describes_every_setting_and_the_builtin_data():
    schema = call(Session(), "schema")
    assert {f["name"] for f in schema["fields"]} == set(Config().to_dict())
    assert schema["builtin"]["num_docs"] == 5163


def test_check_reports_field_errors_and_parameter_count():
    s = Session()
    assert call(s, "check", {"config": {"n_embd": 30}})["errors"]["n_embd"].startswith("n_embd: 30 is not divisible")
    assert call(s, "check", {"config": {}}) == {"errors": {}, "num_params": 4192}
    assert call(s, "check", {"config": {}, "vocab_size": 5})["num_params"] == Config().num_params(5)


def test_configure_summarises_the_data(session):
    summary = call(session, "state")
    assert summary["configured"] and summary["step"] == 0
    again = call(session, "configure", {"config": TINY, "data": {"source": "text", "text": TEXT}})
    assert again["num_docs"] == 10 and again["num_holdout"] == 1 and again["vocab"] == "abcdefghijklnorsuvy"
    assert again["num_params"] == Config.from_dict(TINY).num_params(20) and len(again["examples"]) == 8


def test_training_in_chunks_equals_one_run(session):
    events = []
    while True:
        reply = call(session, "train", {"budget_ms": 1})
        events += reply["events"]
        if reply["done"]:
            break
    assert [e["step"] for e in events] == list(range(1, 21))
    direct = Run(Config.from_dict(TINY), [line for line in TEXT.split("\n") if line])
    assert [e["loss"] for e in events] == [r["loss"] for r in direct.steps()]
    assert [e["step"] for e in events if "holdout_loss" in e] == [5, 10, 15, 20]


def test_seeded_samples_are_reproducible(session):
    call(session, "train", {"budget_ms": 50})
    first = call(session, "sample", {"num_samples": 5, "temperature": 0.8, "seed": 11, "prefix": "a"})["samples"]
    assert first == call(session, "sample", {"num_samples": 5, "temperature": 0.8, "seed": 11, "prefix": "a"})["samples"]
    assert all(name.startswith("a") for name in first)


def test_mistakes_raise_user_errors_and_keep_the_run(session):
    call(session, "train", {"budget_ms": 20})
    before = call(session, "state")
    for kind, payload, words in [
        ("configure", {"config": {"n_head": 3}}, "not divisible"),
        ("configure", {"config": {}, "data": {"source": "text", "text": "   "}}, "no documents"),
        ("configure", {"config": {}, "data": {"source": "url"}}, "not one of builtin, text"),
        ("sample", {"prefix": "Q"}, "not in the vocabulary"),
        ("sample", {"temperature": -1}, "temperature"),
        ("load", {"checkpoint": "garbage"}, "invalid JSON"),
        ("nonsense", {}, "unknown request type"),
    ]:
        with pytest.raises(UserError, match=words):
            session.handle(kind, json.dumps(payload))
    assert call(session, "state") == before


def test_save_and_load_continue_the_run(session):
    call(session, "train", {"budget_ms": 20})
    saved = call(session, "save")["checkpoint"]
    step = call(session, "state")["step"]
    other = Session()
    other.docs = session.docs
    assert call(other, "load", {"checkpoint": saved})["step"] == step
    assert call(other, "sample", {"seed": 1}) == call(session, "sample", {"seed": 1})


def test_sampling_before_configure_is_refused():
    with pytest.raises(UserError, match="configure a run first"):
        Session().handle("sample", "{}")


def test_inspect_describes_data_and_keeps_the_run(session):
    call(session, "train", {"budget_ms": 20})
    before = call(session, "state")
    info = call(session, "inspect", {"data": {"source": "text", "text": "xy\nyz\n"}})
    assert info == {"num_docs": 2, "vocab": "xyz", "vocab_size": 4, "examples": ["xy", "yz"],
                    "num_train": 2, "num_holdout": 0}
    split = call(session, "inspect", {"data": {"source": "builtin"}, "config": {"holdout_fraction": 0.2}})
    assert (split["num_train"], split["num_holdout"]) == (4131, 1032)
    assert "num_train" not in call(session, "inspect", {"data": {"source": "builtin"}, "config": {"n_head": 0}})
    assert call(session, "inspect", {"data": {"source": "builtin"}})["num_docs"] == 5163
    with pytest.raises(UserError, match="only 1 document"):
        session.handle("inspect", json.dumps({"data": {"source": "text", "text": "solo"}}))
    assert call(session, "state") == before
