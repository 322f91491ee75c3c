"""The worker's adapter: JSON requests in, JSON replies out, user mistakes as UserError, nothing lost on failure."""

import json
from types import SimpleNamespace

import pytest

from microgpt import cost
from microgpt.config import Config
from microgpt.sample import generate_many, timeline_rng
from microgpt.session import CHUNK_BUDGET_MS, Session, UserError
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


def test_schema_describes_the_settings_that_are_not_config_with_the_rules_python_applies():
    sample_seed, source = call(Session(), "schema")["request_fields"]
    seed = next(f for f in call(Session(), "schema")["fields"] if f["name"] == "seed")
    assert sample_seed["name"] == "sample_seed" and sample_seed["group"] == "sampling"
    assert (sample_seed["kind"], sample_seed["min"], sample_seed["max"]) == (seed["kind"], seed["min"], seed["max"])
    assert (source["name"], source["kind"], source["choices"], source["default"]) == \
        ("source", "choice", ["builtin", "text"], "builtin")
    assert set(sample_seed) == set(source) == set(seed), "described like Config's fields"


def test_check_reports_field_errors_and_parameter_count():
    s = Session()
    assert call(s, "check", {"config": {"n_embd": 30}})["errors"]["n_embd"].startswith("n_embd: 30 is not divisible")
    assert call(s, "check", {"config": {}}) == {"errors": {}, "num_params": 4192,
                                                "cost": cost.estimate(Config(), 27)}
    assert call(s, "check", {"config": {}, "vocab_size": 5})["num_params"] == cost.num_params(Config(), 5)


def test_check_judges_the_prefix_against_the_datas_vocabulary_as_training_will():
    s = Session()
    vocab = "abcdefghijklmnopqrstuvwxyz"
    reply = call(s, "check", {"config": {"prefix": "Z"}, "vocab": vocab, "vocab_size": 27})
    assert reply["errors"] == {"prefix": f"prefix: 'Z' not in the vocabulary; allowed characters are '{vocab}'"}
    assert reply["num_params"] == 4192, "the model's settings are fine, so they are still counted"
    too_long = call(s, "check", {"config": {"prefix": "abcd", "block_size": 4}, "vocab": vocab})["errors"]
    assert too_long["prefix"].startswith("prefix: 4 characters leaves no room to generate within block_size 4")
    assert call(s, "check", {"config": {"prefix": "Zo"}, "vocab": "Zo"})["errors"] == {}
    assert call(s, "check", {"config": {"prefix": "Z"}})["errors"] == {}, "no vocabulary given, none judged"
    with pytest.raises(UserError, match="vocab: expected the data's characters as text, got list"):
        call(s, "check", {"config": {}, "vocab": ["a"]})


def test_check_judges_the_sample_seed_too():
    s = Session()
    assert call(s, "check", {"config": {}, "sample_seed": 7}) == {"errors": {}, "num_params": 4192,
                                                                  "cost": cost.estimate(Config(), 27)}
    reply = call(s, "check", {"config": {}, "sample_seed": -1})
    assert reply["errors"]["sample_seed"].startswith("sample_seed: -1 is too small")
    assert reply["num_params"] == 4192, "the model's settings are fine, so they are still counted"
    assert call(s, "check", {"config": {}, "sample_seed": "x"})["errors"]["sample_seed"].startswith("sample_seed:")


def test_a_chunk_lasts_the_default_budget_unless_told(session, monkeypatch):
    clock = iter(range(0, 10_000, 10))      # every reading of the clock is 10 ms after the previous one
    monkeypatch.setattr("microgpt.session.time", SimpleNamespace(perf_counter=lambda: next(clock) / 1000))
    events = call(session, "train")["events"]
    assert len(events) == CHUNK_BUDGET_MS // 10
    assert len(call(session, "train", {"budget_ms": 30})["events"]) == 3


def test_configure_summarises_the_data(session):
    summary = call(session, "state")
    assert summary["configured"] and summary["step"] == 0
    again = call(session, "configure", {"config": TINY, "data": {"source": "text", "text": TEXT}})
    assert again["num_docs"] == 10 and again["num_holdout"] == 1 and again["vocab"] == "abcdefghijklnorsuvy"
    assert again["num_params"] == cost.num_params(Config.from_dict(TINY), 20) and len(again["examples"]) == 8


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


def test_a_chunk_can_end_inside_an_evaluation_and_the_next_finishes_it(monkeypatch):
    """A budget spent between held-out documents ends the chunk there: the step is taken (`step`, `save`) and its
    event comes with the chunk that finishes the evaluation; the run is not `done` before its last evaluation is.
    Step once finishes an unfinished evaluation first and returns its event too."""
    config = {**TINY, "holdout_fraction": 0.3, "num_steps": 10}
    s = Session()
    call(s, "configure", {"config": config, "data": {"source": "text", "text": TEXT}})
    clock = iter(range(0, 10**7, 10))      # every reading of the clock is 10 ms after the previous one
    monkeypatch.setattr("microgpt.session.time", SimpleNamespace(perf_counter=lambda: next(clock) / 1000))
    chunks = [call(s, "train", {"budget_ms": 5})]
    while not chunks[-1]["done"]:
        chunks.append(call(s, "train", {"budget_ms": 5}))
    events = [event for chunk in chunks for event in chunk["events"]]
    direct = Run(Config.from_dict(config), [line for line in TEXT.split("\n") if line])
    assert [{k: e[k] for k in e if k != "elapsed"} for e in events] == \
        [{k: r[k] for k in r if k != "elapsed"} for r in direct.steps()]
    # Three held-out documents: each evaluation (steps 5 and 10) ends two chunks that bring no event.
    assert [(len(c["events"]), c["step"], c["done"]) for c in chunks if not c["events"]] == \
        [(0, 5, False), (0, 5, False), (0, 10, False), (0, 10, False)]

    again = Session()
    call(again, "configure", {"config": config, "data": {"source": "text", "text": TEXT}})
    while call(again, "train", {"budget_ms": 5})["step"] < 5:
        pass
    assert call(again, "save")["step"] == 5
    once = call(again, "step_once")
    assert once["evaluated"] == {k: v for k, v in events[4].items() if k != "elapsed"}
    assert once["event"]["step"] == 6 and once["event"]["loss"] == events[5]["loss"] and once["step"] == 6


def train_all(session, payload):
    chunks = [call(session, "train", payload)]
    while not chunks[-1]["done"]:
        chunks.append(call(session, "train", payload))
    return chunks


@pytest.mark.parametrize("engine", ["scalar", "fast"])
def test_the_timeline_of_names_leaves_the_run_bit_identical(engine):
    """Names drawn at each held-out evaluation come from their own random stream: the losses, the held-out losses and
    the run's own stream (the names sampled after training) are the same, bit for bit, with the timeline or without."""
    runs = {}
    for count in (0, 4):
        s = Session()
        call(s, "configure", {"config": {**TINY, "engine": engine}, "data": {"source": "text", "text": TEXT}})
        chunks = train_all(s, {"budget_ms": 1, "timeline": count})
        events = [event for chunk in chunks for event in chunk["events"]]
        timeline = [entry for chunk in chunks for entry in chunk.get("timeline", [])]
        after = call(s, "sample", {"num_samples": 10})["samples"]      # continues the run's own stream
        assert all(("timeline" in chunk) == bool(count) for chunk in chunks)
        runs[count] = ([(e["step"], e["loss"], e.get("holdout_loss")) for e in events], after, timeline,
                       s.run.rng.getstate())
    assert runs[0][0] == runs[4][0] and runs[0][1] == runs[4][1] and runs[0][3] == runs[4][3]
    timeline = runs[4][2]
    assert [entry["step"] for entry in timeline] == [0, 5, 10, 15, 20]
    assert [entry["holdout_loss"] for entry in timeline] == [None] + [h for _, _, h in runs[4][0] if h is not None]
    assert all(len(entry["names"]) == 4 and all(isinstance(n, str) for n in entry["names"]) for entry in timeline)


def test_the_timeline_names_come_from_the_model_at_their_step():
    """The names at step 10 are what the model trained to step 10 draws from the timeline's stream for step 10."""
    s = Session()
    call(s, "configure", {"config": TINY, "data": {"source": "text", "text": TEXT}})
    timeline = [entry for chunk in train_all(s, {"timeline": 3}) for entry in chunk.get("timeline", [])]
    config = Config.from_dict(TINY)
    for step in (0, 10, 20):
        run = Run(config, [line for line in TEXT.split("\n") if line])
        for _ in run.steps(until=step):
            pass
        expected = generate_many(run.model, run.tokenizer, timeline_rng(config.seed, step), 3, config.temperature)
        assert next(entry["names"] for entry in timeline if entry["step"] == step) == expected
    assert timeline_rng(1, 10).random() != timeline_rng(1, 15).random() != timeline_rng(2, 10).random()


def test_the_timeline_asks_for_a_sensible_number_of_names(session):
    for bad in (-1, 9, 2.5, True, "4"):
        with pytest.raises(UserError, match="timeline: .* is not a whole number of names from 0 \\(none\\) to 8"):
            call(session, "train", {"timeline": bad})
    assert call(session, "state")["step"] == 0, "a refused chunk takes no step"


def test_seeded_samples_are_reproducible(session):
    call(session, "train", {"budget_ms": 50})
    payload = {"num_samples": 5, "temperature": 0.8, "sample_seed": 11, "prefix": "a"}
    first = call(session, "sample", payload)["samples"]
    assert first == call(session, "sample", payload)["samples"]
    assert first != call(session, "sample", {**payload, "sample_seed": 12})["samples"]
    assert all(name.startswith("a") for name in first)


def test_mistakes_raise_user_errors_and_keep_the_run(session):
    call(session, "train", {"budget_ms": 20})
    before = call(session, "state")
    for kind, payload, words in [
        ("configure", {"config": {"n_head": 3}}, "not divisible"),
        ("configure", {"config": {}, "data": {"source": "text", "text": "   "}}, "no documents"),
        ("configure", {"config": {}, "data": {"source": "url"}}, "source: 'url' is not one of builtin, text"),
        ("sample", {"prefix": "Q"}, "not in the vocabulary"),
        ("sample", {"temperature": -1}, "temperature"),
        ("sample", {"sample_seed": 2**32}, "sample_seed: 4294967296 is too large"),
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
    seeded = {"sample_seed": 1}
    assert call(other, "sample", seeded)["samples"] == call(session, "sample", seeded)["samples"]


def test_sampling_before_configure_is_refused():
    with pytest.raises(UserError, match="configure a run first"):
        Session().handle("sample", "{}")


def test_preview_summarises_data_and_keeps_the_run(session):
    call(session, "train", {"budget_ms": 20})
    before = call(session, "state")
    summary = call(session, "preview", {"data": {"source": "text", "text": "xy\nyz\n"}})
    assert summary == {"num_docs": 2, "vocab": "xyz", "vocab_size": 4, "examples": ["xy", "yz"],
                    "length_counts": [[2, 2]], "num_train": 2, "num_holdout": 0}
    assert call(session, "preview", {"data": {"source": "text", "text": "a\nbcd\nefg\n"}})["length_counts"] \
        == [[1, 1], [3, 2]]
    split = call(session, "preview", {"data": {"source": "builtin"}, "config": {"holdout_fraction": 0.2}})
    assert (split["num_train"], split["num_holdout"]) == (4131, 1032)
    assert "num_train" not in call(session, "preview", {"data": {"source": "builtin"}, "config": {"n_head": 0}})
    assert call(session, "preview", {"data": {"source": "builtin"}})["num_docs"] == 5163
    with pytest.raises(UserError, match="only 1 document"):
        session.handle("preview", json.dumps({"data": {"source": "text", "text": "solo"}}))
    assert call(session, "state") == before


def test_a_model_loaded_without_its_data_samples_and_says_what_resuming_needs(session):
    call(session, "train", {"budget_ms": 20})
    saved = call(session, "save")["checkpoint"]
    assert "your own text: 10 documents (anna, bob, cyril, …)" == json.loads(saved)["data_description"]
    other = Session()
    info = call(other, "load", {"checkpoint": saved, "data": {"source": "builtin"}})
    assert info["step"] == call(session, "state")["step"] and not info["resumable"]
    assert info["num_docs"] is None and info["vocab"] == "abcdefghijklnorsuvy"
    seeded = {"sample_seed": 1}
    assert call(other, "sample", seeded)["samples"] == call(session, "sample", seeded)["samples"]
    with pytest.raises(UserError, match="to resume, choose your own text: 10 documents"):
        other.handle("train", "{}")
    with pytest.raises(UserError, match="resuming needs your own text: 10 documents"):
        call(other, "attach", {"data": {"source": "text", "text": "anna\nbob\n"}})
    # The same documents in another order would be shuffled differently: not the same run.
    with pytest.raises(UserError, match="resuming needs"):
        call(other, "attach", {"data": {"source": "text", "text": "\n".join(reversed(TEXT.split()))}})
    assert call(other, "attach", {"data": {"source": "text", "text": TEXT}})["resumable"]
    while not call(session, "train", {"budget_ms": 1000})["done"]:
        pass
    while not call(other, "train", {"budget_ms": 1000})["done"]:
        pass
    assert call(other, "save")["checkpoint"] == call(session, "save")["checkpoint"]


def test_a_checkpoint_on_the_builtin_data_resumes_with_it():
    session = Session()
    call(session, "configure", {"config": {**TINY, "engine": "fast"}, "data": {"source": "builtin"}})
    call(session, "train", {"budget_ms": 10})
    saved = call(session, "save")["checkpoint"]
    assert json.loads(saved)["data_description"].startswith("the built-in data, US census first names")
    info = call(Session(), "load", {"checkpoint": saved, "data": {"source": "builtin"}})
    assert info["resumable"] and info["num_docs"] == 5163
