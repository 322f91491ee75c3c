"""Reliability of the core and the Session: divergence as a result, limits that match the cost, data and numbers from
anyone, checkpoints from strangers, and untrusted payloads. Each case ends in a clear message, nothing the user had
is touched and nothing is executed. (The CLI's side is tests/test_reliability_cli.py, the page's tests/e2e.)"""

import json
import math
import os
import re
import tracemalloc

import pytest

from microgpt import checkpoint, cost
from microgpt.checkpoint import CheckpointError
from microgpt.config import Config, ConfigError
from microgpt.data import DataError, parse_documents, read_text_file
from microgpt.optim import MAX_WEIGHT
from microgpt.sample import generate_many, probabilities
from microgpt.session import Session, UserError
from microgpt.train import Run, TrainingDiverged

DOCS = ["anna", "bob", "cyril", "dora", "eve", "frank", "gus", "hanna", "ivo", "jo", "kristoffersen"] * 3
TINY = dict(n_embd=8, n_head=2, block_size=8, num_steps=50, eval_every=0)


def tiny_run(**changes):
    return Run(Config.from_dict({**TINY, **changes}), DOCS)


def flat(weights):
    return [x for mat in weights.values() for row in mat for x in row]


def train_until_diverged(run):
    losses = []
    with pytest.raises(TrainingDiverged) as caught:
        for record in run.steps():
            losses.append(record["loss"])
    return losses, caught.value


# --- divergence is a result ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["fast", "scalar"])
def test_a_diverging_run_stops_with_a_message_and_keeps_its_last_finite_model(engine):
    run = tiny_run(learning_rate=1.0, engine=engine)
    before = {}
    losses = []
    with pytest.raises(TrainingDiverged) as caught:
        for record in run.steps():
            losses.append(record["loss"])
            before = run.model.weights
    diverged = caught.value
    assert diverged.step == len(losses) + 1 == run.step + 1
    assert str(diverged).startswith(f"training diverged at step {diverged.step} (")
    assert "the learning rate is too high for these settings (try ≤ 0.1)" in str(diverged)
    assert run.model.weights == before                      # the step that diverged changed nothing
    assert all(math.isfinite(x) and abs(x) <= MAX_WEIGHT for x in flat(run.model.weights))
    assert all(math.isfinite(x) for x in run.optimizer.m + run.optimizer.v)
    saved = checkpoint.parse(checkpoint.to_json(run))        # what is saved loads again
    assert saved["step"] == run.step
    assert len(generate_many(run.model, run.tokenizer, run.rng, 3, 0.5)) == 3


def test_the_scalar_engine_diverges_where_the_fast_one_does():
    fast_losses, fast = train_until_diverged(tiny_run(learning_rate=1.0))
    scalar_losses, scalar = train_until_diverged(tiny_run(learning_rate=1.0, engine="scalar"))
    assert fast.step == scalar.step
    assert scalar_losses == pytest.approx(fast_losses, rel=1e-9)


def test_training_again_after_divergence_diverges_at_the_same_step_without_changing_the_model():
    run = tiny_run(learning_rate=1.0)
    _, first = train_until_diverged(run)
    weights = run.model.weights
    _, again = train_until_diverged(run)
    assert again.step == first.step and run.model.weights == weights


def test_finite_runs_are_untouched_by_the_checks():
    """A high but recovering rate trains to the end (the checks stop only what has blown up)."""
    records = list(tiny_run(learning_rate=0.05, num_steps=30).steps())
    assert len(records) == 30


# --- limits that match the cost -------------------------------------------------------------------------------------

def test_the_cost_estimate_grows_with_the_work_and_depends_on_the_engine():
    small, fast, scalar = Config(), Config(n_embd=64), Config(n_embd=64, engine="scalar")
    assert cost.estimate(small, 27)["memory_mb"] < cost.estimate(fast, 27)["memory_mb"]
    assert cost.estimate(fast, 27)["memory_mb"] * 5 < cost.estimate(scalar, 27)["memory_mb"]
    assert cost.estimate(fast, 27)["seconds_per_step"] * 10 < cost.estimate(scalar, 27)["seconds_per_step"]
    evaluation = cost.estimate(fast, 27)["seconds_per_evaluation"]
    assert evaluation > cost.estimate(small, 27)["seconds_per_evaluation"] > 0
    assert evaluation == 2 * cost.estimate(fast.replace(eval_docs=fast.eval_docs // 2), 27)["seconds_per_evaluation"]
    assert cost.estimate(fast.replace(eval_every=0), 27)["seconds_per_evaluation"] == 0
    assert cost.estimate(fast.replace(holdout_fraction=0), 27)["seconds_per_evaluation"] == 0


def test_a_scalar_model_that_would_take_gigabytes_is_refused_with_its_estimate():
    config = Config(n_embd=128, engine="scalar")
    assert cost.num_params(config, 27) < 2_000_000
    with pytest.raises(ConfigError, match=r"cost: one training step of this scalar-engine model would need about "
                                          r"\d+\.\d GB of memory, more than the 1.5 GB allowed; .*use engine fast"):
        cost.check_size(config, 27)
    cost.check_size(Config(n_embd=128), 27)            # the fast engine trains the same model in megabytes


def test_session_check_reports_the_cost_and_refuses_what_is_too_costly():
    s = Session()
    reply = json.loads(s.handle("check", json.dumps({"config": {"n_embd": 128, "engine": "scalar"}})))
    assert reply["errors"]["n_embd"].startswith("cost: ") and reply["cost"]["memory_mb"] > 1500
    with pytest.raises(UserError, match="GB of memory"):
        s.handle("configure", json.dumps({"config": {"n_embd": 128, "engine": "scalar"}}))


def test_the_page_refuses_a_model_it_cannot_hold_with_its_size_and_the_cli_still_trains_it():
    s = Session()
    big = {"n_embd": 256, "n_layer": 2}
    error = json.loads(s.handle("check", json.dumps({"config": big})))["errors"]["n_embd"]
    assert error.startswith("page limit: 1,590,784 parameters is more than the 500,000 the page can hold (its "
                            "checkpoint, about 100 MB, would not fit in the browser's memory); lower n_embd")
    assert error.endswith("or train it with the command line (python -m microgpt train)")
    with pytest.raises(UserError, match="page limit: 1,590,784 parameters"):
        s.handle("configure", json.dumps({"config": big}))
    assert s.run is None
    cost.check_size(Config.from_dict(big), 28)                  # the core's own limits (the CLI's) allow it
    allowed = json.loads(s.handle("check", json.dumps({"config": {"n_embd": 128, "n_layer": 2}})))
    assert allowed["errors"] == {} and allowed["num_params"] <= cost.PAGE_MAX_PARAMS


def test_a_checkpoint_too_big_for_the_page_is_refused_with_its_size_and_the_model_kept(session, saved_text,
                                                                                         monkeypatch):
    before = session.handle("save")
    padded = saved_text + " " * (cost.PAGE_MAX_CHECKPOINT_CHARS + 10**6)    # valid JSON, too big for the page
    with pytest.raises(UserError) as refused:
        session.handle("load", json.dumps({"checkpoint": padded, "name": "big model.json"}))
    assert str(refused.value) == (
        f"big model.json: a checkpoint of {len(padded) / 1e6:.3g} MB is more than the 40 MB the page can load (a "
        "model of up to 500,000 parameters); your model here is kept. Sample or resume it with the command line: "
        "python -m microgpt sample --checkpoint 'big model.json'")
    assert session.handle("save") == before
    # A smaller file of a model above the page's limit is refused once its config is read; running out of memory
    # while reading one is said, never a bare MemoryError.
    monkeypatch.setattr(cost, "PAGE_MAX_PARAMS", 100)
    with pytest.raises(UserError, match=r"^m.json: \d[\d,]* parameters is more than the 100 the page can hold .*"
                                        r"your model here is kept$"):
        session.handle("load", json.dumps({"checkpoint": saved_text, "name": "m.json"}))

    def out_of_memory(*args):
        raise MemoryError
    monkeypatch.setattr(checkpoint, "parse", out_of_memory)
    with pytest.raises(UserError, match=r"^m.json: the page ran out of memory reading this checkpoint of 0.0\d+ MB; your "
                                        r"model here is kept. Sample or resume it with the command line"):
        session.handle("load", json.dumps({"checkpoint": saved_text, "name": "m.json"}))
    assert session.handle("save") == before


# --- data and numbers -----------------------------------------------------------------------------------------------

def test_special_files_are_read_with_a_byte_limit():
    with pytest.raises(DataError, match="more than the .* bytes allowed"):
        read_text_file("/dev/zero")


def test_a_pipe_is_read_up_to_the_limit(tmp_path):
    fifo = tmp_path / "names.fifo"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:
        with open(fifo, "w") as out:
            out.write("ann\nbob\n")
        os._exit(0)
    assert read_text_file(fifo) == "ann\nbob\n"
    os.waitpid(pid, 0)


def test_a_byte_order_mark_is_not_a_character(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfann\nbob\n")
    assert parse_documents(read_text_file(path)) == ["ann", "bob"]


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\t", "\x7f", "\x85"])
def test_control_characters_are_refused_and_named_safely(char):
    with pytest.raises(DataError) as caught:
        parse_documents(f"ann\nb{char}ob\n")
    message = str(caught.value)
    assert f"document 2 holds the control character U+{ord(char):04X}" in message and char not in message


def test_a_tiny_temperature_is_the_coldest_draw_not_an_overflow():
    assert probabilities([1.0, 3.0, 2.0], 1e-310) == [0.0, 1.0, 0.0]
    assert probabilities([1.0, 3.0, 2.0], 1e-300) == [0.0, 1.0, 0.0]      # T**-1 is finite, the logits are not
    run = tiny_run(num_steps=5)
    list(run.steps())
    names = generate_many(run.model, run.tokenizer, run.rng, 3, 1e-310)
    assert len(set(names)) == 1


@pytest.mark.parametrize("text", ["0x10", "1_000", "٣", "1e", "--1", ""])
def test_numbers_have_one_spelling(text):
    with pytest.raises(ConfigError, match="is not a whole number"):
        Config.from_dict({"seed": text})


@pytest.mark.parametrize("text, value", [("1e3", 1000), (" 7 ", 7), ("+5", 5), ("7.0", 7)])
def test_decimal_spellings_of_whole_numbers_are_accepted(text, value):
    assert Config.from_dict({"seed": text}).seed == value


def test_huge_values_give_short_messages():
    with pytest.raises(ConfigError) as caught:
        Config.from_dict({"learning_rate": 10 ** 400, "seed": "9" * 100_000})
    assert len(str(caught.value)) < 300
    with pytest.raises(ConfigError, match="and 149,990 more") as caught:
        Config.from_dict({f"key{i}": 1 for i in range(150_000)})
    assert len(str(caught.value)) < 500


# --- checkpoints from strangers -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved_text():
    run = tiny_run(num_steps=10)
    list(run.steps(3))
    return checkpoint.to_json(run)


def tamper(text, change):
    doc = json.loads(text)
    change(doc)
    return json.dumps(doc)


def first_matrix(doc, *path):
    for key in path:
        doc = doc[key]
    return doc["wte"]


@pytest.mark.parametrize("change, words", [
    (lambda d: first_matrix(d, "adam", "v")[0].__setitem__(0, -1.0), r"adam.v.wte: -1.0 is outside \[0, 1e\+16\]"),
    (lambda d: first_matrix(d, "weights")[0].__setitem__(0, 1e200), r"weights.wte: 1e\+200 is outside"),
    (lambda d: first_matrix(d, "adam", "m")[0].__setitem__(0, 10 ** 400), r"adam.m.wte: 1000.* is outside"),
    (lambda d: first_matrix(d, "weights")[0].__setitem__(0, "1"), "is not a finite number"),
    (lambda d: d.update(step=11), "step 11 is not between 0 and num_steps"),
    (lambda d: d.update(vocab="\x1b" + d["vocab"]), r"control character U\+001B"),
])
def test_hostile_numbers_in_a_checkpoint_are_refused(saved_text, change, words):
    with pytest.raises(CheckpointError, match=words):
        checkpoint.parse(tamper(saved_text, change))


WIDE_VOCAB = "".join(chr(0x4E00 + i) for i in range(3000))     # 3,000 distinct printable characters


def test_a_vocabulary_has_one_limit_wherever_it_comes_from(saved_text):
    """256 distinct characters plus the start/end token, from a dataset (the page's preview), a checkpoint and the
    page's check and shapes requests alike."""
    limit = "3,000 distinct characters is more than the 256 allowed for a character-level model"
    with pytest.raises(CheckpointError, match=f"checkpoint: vocab: {limit}"):
        checkpoint.parse(tamper(saved_text, lambda d: d.update(vocab=WIDE_VOCAB)))
    session = Session()
    text = "\n".join(WIDE_VOCAB[i:i + 5] for i in range(0, 3000, 5))
    with pytest.raises(UserError, match=f"your dataset: {limit}"):
        session.handle("preview", json.dumps({"data": {"source": "text", "text": text}}))
    for kind in ("check", "shapes"):
        with pytest.raises(UserError, match=f"vocab_size 3,001: {limit}"):
            session.handle(kind, json.dumps({"config": {}, "vocab_size": 3001}))
    assert json.loads(session.handle("shapes", json.dumps({"vocab_size": 257})))["num_params"] > 0


def test_deep_nesting_is_refused_before_parsing():
    for text in ["[" * 100_000 + "]" * 100_000, "[" * 100_000, '{"format": ' + "[" * 6 + "]" * 6 + "}"]:
        with pytest.raises(CheckpointError, match="nested more than 5 levels deep"):
            checkpoint.parse(text)


def test_brackets_inside_strings_are_not_nesting(saved_text):
    doc = json.loads(saved_text)
    doc["docs_sha256"] = "[[[[[[[[{{{{{{"
    checkpoint.parse(json.dumps(doc))


def test_a_load_payload_is_scanned_for_nesting_in_little_memory():
    """The page's `load` payload is one JSON string holding the checkpoint (tens of megabytes): scanning it for nesting
    must not keep anything per character (the plain string regex took ~150 bytes a character: a MemoryError in the
    page's Python for a 26 MB checkpoint of an allowed model)."""
    payload = json.dumps({"checkpoint": json.dumps({"w": [[0.123456789012345] * 1000] * 100})})
    tracemalloc.start()
    try:
        assert not checkpoint.nesting_exceeds(payload, 3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(payload)

def test_an_oversized_checkpoint_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as out:
        out.truncate(checkpoint.MAX_BYTES + 1)
    with pytest.raises(CheckpointError, match="bytes allowed"):
        checkpoint.load(path)
    with pytest.raises(CheckpointError, match="characters is more than"):
        checkpoint.parse(" " * (checkpoint.MAX_BYTES + 1))


def test_a_failed_save_leaves_the_previous_checkpoint_and_no_temporary_file(tmp_path, monkeypatch):
    run = tiny_run(num_steps=10)
    path = tmp_path / "m.json"
    checkpoint.save(run, path)
    before = path.read_bytes()
    list(run.steps(2))

    def disk_full(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(CheckpointError, match=r"\(No space left on device\); any previous file there is unchanged"):
        checkpoint.save(run, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.json"]


def test_a_saved_checkpoint_gets_the_usual_file_mode(tmp_path):
    path = tmp_path / "m.json"
    checkpoint.save(tiny_run(), path)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


# --- the Session treats every payload as untrusted ------------------------------------------------------------------

@pytest.fixture
def session():
    s = Session()
    s.handle("configure", json.dumps({"config": TINY, "data": {"source": "text", "text": "\n".join(DOCS)}}))
    s.handle("train", json.dumps({"budget_ms": 5}))
    return s


@pytest.mark.parametrize("kind, payload, words", [
    ("train", "not json", "train: the payload is not valid JSON"),
    ("train", "[1, 2]", "train: the payload must be an object, got list"),
    ("train", '"text"', "train: the payload must be an object, got str"),
    ("train", '{"budget_ms": NaN}', "train: the payload is not valid JSON"),
    ("train", '{"budget_ms": 1e308}', "budget_ms: 1e+308 is not a number of milliseconds"),
    ("train", '{"budget_ms": "80"}', "budget_ms: '80' is not a number"),
    ("train", '{"budget_ms": true}', "budget_ms: True"),
    ("check", '{"config": {}, "vocab_size": -5}', "vocab_size: -5 is not a whole number from 2"),
    ("check", '{"config": {}, "vocab_size": 2.5}', "vocab_size: 2.5"),
    ("configure", '{"config": [], "data": {}}', "config: expected an object of settings"),
    ("configure", '{"config": {}, "data": "builtin"}', "data: expected an object"),
    ("configure", '{"config": {}, "data": {"source": "text", "text": 5}}', "data.text: expected the dataset as text"),
    ("configure", '{"config": {"seed": {"a": 1}}}', "seed: expected a number"),
    ("sample", '{"sample_seed": [1]}', "sample_seed: expected a number"),
    ("sample", '{"num_samples": "lots"}', "num_samples: 'lots' is not a whole number"),
    ("load", '{"checkpoint": {"format": "microgpt-checkpoint"}}', "checkpoint: expected the checkpoint's JSON text"),
    pytest.param("load", '{"checkpoint": "' + "[" * 50_000 + '"}', "nested more than 5 levels", id="deep-checkpoint"),
    pytest.param("train", "[" * 100_000, "train: the payload is nested more than 3 levels deep", id="deep-payload"),
    ("__init__", "{}", "unknown request type"),
])
def test_bad_payloads_are_user_errors_and_keep_the_run(session, kind, payload, words):
    before = session.handle("save")
    with pytest.raises(UserError, match=re.escape(words)):
        session.handle(kind, payload)
    assert session.handle("save") == before


def test_a_hostile_checkpoint_never_touches_the_current_model(session, saved_text):
    before = session.handle("save")
    hostile = tamper(saved_text, lambda d: first_matrix(d, "adam", "v")[0].__setitem__(0, -1.0))
    with pytest.raises(UserError, match="adam.v"):
        session.handle("load", json.dumps({"checkpoint": hostile}))
    assert session.handle("save") == before


def test_the_session_reports_divergence_as_a_result():
    s = Session()
    config = {**TINY, "learning_rate": 1.0}
    s.handle("configure", json.dumps({"config": config, "data": {"source": "text", "text": "\n".join(DOCS)}}))
    reply = json.loads(s.handle("train", json.dumps({"budget_ms": 5000})))
    diverged = reply["diverged"]
    assert diverged["message"].startswith(f"training diverged at step {diverged['step']}")
    assert [e["step"] for e in reply["events"]] == list(range(1, diverged["step"]))
    assert reply["step"] == diverged["step"] - 1 and not reply["done"]
    assert diverged["loss"] is None or math.isfinite(diverged["loss"])
    saved = checkpoint.parse(json.loads(s.handle("save"))["checkpoint"])
    assert saved["step"] == diverged["step"] - 1
    assert json.loads(s.handle("sample", json.dumps({"num_samples": 2, "sample_seed": 1})))["samples"]
