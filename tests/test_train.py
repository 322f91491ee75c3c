"""Training and checkpoints: the loop's progress records, held-out evaluation, save/load and exact resume."""

import json
import random

import pytest

from microgpt import checkpoint
from microgpt.checkpoint import CheckpointError
from microgpt.config import Config
from microgpt.data import DataError
from microgpt.sample import generate_many
from microgpt.train import Run

DOCS = ["anna", "bob", "cyril", "dora", "eve", "frank", "gus", "hanna", "ivo", "jo", "kristoffersen"] * 3
TINY = dict(n_embd=8, n_head=2, block_size=8, num_steps=12, eval_every=4, eval_docs=5, engine="scalar")


def run(**changes):
    return Run(Config.from_dict({**TINY, **changes}), DOCS)


def test_progress_records_and_holdout_schedule():
    records = list(run().steps())
    assert [r["step"] for r in records] == list(range(1, 13))
    assert [r["step"] for r in records if "holdout_loss" in r] == [4, 8, 12]
    assert records[0]["lr"] == 0.01 and all(r["loss"] > 0 and r["elapsed"] >= 0 for r in records)


def test_evaluation_consumes_no_randomness_and_changes_no_loss():
    with_eval, without = run(), run(eval_every=0)
    losses_with = [r["loss"] for r in with_eval.steps()]
    losses_without = [r["loss"] for r in without.steps()]
    assert losses_with == losses_without
    assert with_eval.rng.getstate() == without.rng.getstate()


@pytest.mark.parametrize("engine", ["scalar", "fast"])
def test_an_evaluation_cut_short_goes_on_where_it_stopped(engine):
    """Out of time between two held-out documents, the loop ends with the step taken and its record held back; the
    next `steps` finishes that evaluation first. The records are the uninterrupted run's, bit for bit."""
    def without_elapsed(records):
        return [{key: value for key, value in record.items() if key != "elapsed"} for record in records]

    expected = without_elapsed(run(engine=engine).steps())
    cut = run(engine=engine)
    assert len(cut.dataset.holdout) == 3
    records, parts, held_back = [], 0, []
    while not cut.finished:
        records += cut.steps(out_of_time=lambda: True)
        parts += 1
        if cut.evaluating is not None:
            held_back.append((cut.step, records[-1]["step"] if records else 0))
    assert without_elapsed(records) == expected
    # Each of the three evaluations (steps 4, 8, 12) stops after its first and its second document.
    assert parts == 1 + 3 * 2
    assert held_back == [(4, 3), (4, 3), (8, 7), (8, 7), (12, 11), (12, 11)]
    assert cut.done and cut.finished


def test_no_holdout_means_no_evaluation():
    records = list(run(holdout_fraction=0.0).steps())
    assert not any("holdout_loss" in r for r in records)


def test_loss_falls_on_a_repetitive_dataset():
    r = Run(Config.from_dict({**TINY, "num_steps": 60, "engine": "scalar"}), ["abab", "baba"] * 10)
    losses = [rec["loss"] for rec in r.steps()]
    assert sum(losses[-10:]) / 10 < sum(losses[:10]) / 10 - 0.5


def test_checkpoint_round_trip_keeps_everything(tmp_path):
    a = run()
    list(a.steps(5))
    path = tmp_path / "c.json"
    checkpoint.save(a, path)
    b = Run.restore(checkpoint.load(path), DOCS)
    assert b.step == 5 and b.model.weights == a.model.weights
    assert b.optimizer.state() == a.optimizer.state() and b.rng.getstate() == a.rng.getstate()


def test_resume_equals_uninterrupted_run(tmp_path):
    straight = run()
    losses = [r["loss"] for r in straight.steps()]
    first = run()
    resumed_losses = [r["loss"] for r in first.steps(6)]
    checkpoint.save(first, tmp_path / "half.json")
    second = Run.restore(checkpoint.load(tmp_path / "half.json"), DOCS)
    resumed_losses += [r["loss"] for r in second.steps()]
    assert resumed_losses == losses
    assert second.model.weights == straight.model.weights
    names = generate_many(second.model, second.tokenizer, second.rng, 5, 0.5)
    assert names == generate_many(straight.model, straight.tokenizer, straight.rng, 5, 0.5)


def test_resume_on_other_data_is_refused(tmp_path):
    a = run()
    checkpoint.save(a, tmp_path / "c.json")
    with pytest.raises(DataError, match="not the dataset this checkpoint was trained on"):
        Run.restore(checkpoint.load(tmp_path / "c.json"), DOCS[:-1] + ["zed"])


def test_checkpoints_from_before_the_data_description_still_load():
    doc = valid_document()
    del doc["data_description"]
    restored = Run.restore(checkpoint.parse(json.dumps(doc)), DOCS)
    assert restored.data_description == "" and restored.can_train


def test_a_run_restored_without_data_samples_but_does_not_train():
    saved = checkpoint.parse(checkpoint.to_json(run()))
    restored = Run.restore(saved)
    assert generate_many(restored.model, restored.tokenizer, restored.rng, 3, 0.5)
    with pytest.raises(DataError, match="loaded without its training data"):
        next(restored.steps())


def valid_document():
    return json.loads(checkpoint.to_json(run()))


@pytest.mark.parametrize("damage, words", [
    (lambda d: d.update(version=99), "format version 99"),
    (lambda d: d.pop("format"), "not a microgpt checkpoint"),
    (lambda d: d.update(extra=1), "unexpected keys"),
    (lambda d: d["config"].update(n_embd=7), "bad config"),
    (lambda d: d["weights"]["wte"].pop(), "weights.wte: expected 21 rows of 8 numbers"),
    (lambda d: d["weights"]["wpe"][0].__setitem__(0, "1.0"), "not a finite number"),
    (lambda d: d["adam"]["m"]["lm_head"][1].append(0.0), "adam.m.lm_head"),
    (lambda d: d.update(step=-1), "step -1"),
    (lambda d: d.update(vocab="ba"), "sorted characters"),
    (lambda d: d["rng_state"][1].pop(), "rng_state"),
])
def test_damaged_checkpoints_are_refused(damage, words):
    doc = valid_document()
    damage(doc)
    with pytest.raises(CheckpointError, match=words):
        checkpoint.parse(json.dumps(doc))


@pytest.mark.parametrize("text, words", [
    ("not json", "invalid JSON"),
    ('{"format": "microgpt-checkpoint", "weights": NaN}', "invalid JSON"),
    ("[1, 2]", "not a microgpt checkpoint"),
])
def test_non_checkpoints_are_refused(text, words):
    with pytest.raises(CheckpointError, match=words):
        checkpoint.parse(text)


def test_sampling_is_reproducible_and_uses_the_vocabulary():
    r = run()
    list(r.steps())
    a = generate_many(r.model, r.tokenizer, random.Random(3), 10, 1.0, prefix="a")
    assert a == generate_many(r.model, r.tokenizer, random.Random(3), 10, 1.0, prefix="a")
    assert all(name.startswith("a") and set(name) <= set(r.tokenizer.chars) for name in a)
    assert all(len(name) <= 8 for name in a)


def test_prefix_must_leave_room_in_the_context():
    r = run()
    with pytest.raises(DataError, match="at most 7"):
        generate_many(r.model, r.tokenizer, random.Random(0), 1, 1.0, prefix="annaanna")
