"""The fast engine against the scalar engine: same losses (bit for bit), same gradients (to rounding), same samples,
and the original's golden run (../shared/data/reference_run.json) reproduced with the fast engine."""

import random

import pytest

from microgpt.config import Config
from microgpt.data import parse_documents
from microgpt.fast import FastModel
from microgpt.model import ScalarModel, init_weights
from microgpt.sample import generate_many
from microgpt.train import Run

GRAD_RELATIVE, GRAD_ABSOLUTE = 1e-9, 1e-12


def random_case(seed):
    """A small random model and document: any shape the config allows, documents shorter and longer than the context."""
    rng = random.Random(seed)
    n_head = rng.choice([1, 2, 3])
    config = Config(n_embd=n_head * rng.choice([1, 2, 4]), n_head=n_head, n_layer=rng.randint(1, 3),
                    block_size=rng.randint(1, 9), init_std=rng.choice([0.08, 0.3, 1.0]))
    vocab_size = rng.randint(2, 12)
    length = rng.randint(0, 2 * config.block_size)
    tokens = [vocab_size - 1] + [rng.randrange(vocab_size - 1) for _ in range(length)] + [vocab_size - 1]
    return config, vocab_size, init_weights(config, vocab_size, rng), tokens


def assert_grads_close(scalar_grads, fast_grads):
    assert scalar_grads.keys() == fast_grads.keys()
    for name, rows in scalar_grads.items():
        assert [len(row) for row in fast_grads[name]] == [len(row) for row in rows], name
        for i, (row, fast_row) in enumerate(zip(rows, fast_grads[name])):
            for j, (expected, actual) in enumerate(zip(row, fast_row)):
                assert abs(actual - expected) <= max(GRAD_RELATIVE * abs(expected), GRAD_ABSOLUTE), (name, i, j)


@pytest.mark.parametrize("seed", range(40))
def test_loss_and_grads_equal_the_scalar_engine(seed):
    config, vocab_size, weights, tokens = random_case(seed)
    scalar, fast = ScalarModel(config, vocab_size, weights), FastModel(config, vocab_size, weights)
    scalar_loss, scalar_grads = scalar.loss_and_grads(tokens)
    fast_loss, fast_grads = fast.loss_and_grads(tokens)
    assert fast_loss == scalar_loss          # the forward repeats the scalar engine's float operations exactly
    assert fast.loss(tokens) == scalar_loss
    assert_grads_close(scalar_grads, fast_grads)


@pytest.mark.parametrize("seed", range(10))
def test_inference_logits_equal_the_scalar_engine(seed):
    config, vocab_size, weights, tokens = random_case(seed)
    scalar, fast = ScalarModel(config, vocab_size, weights), FastModel(config, vocab_size, weights)
    scalar_cache, fast_cache = scalar.new_cache(), fast.new_cache()
    for pos_id, token_id in enumerate(tokens[:config.block_size]):
        assert fast.logits(token_id, pos_id, fast_cache) == scalar.logits(token_id, pos_id, scalar_cache)


def test_weights_are_live_and_set_weights_takes_effect():
    config, vocab_size, weights, tokens = random_case(3)
    fast = FastModel(config, vocab_size, weights)
    assert fast.weights == weights and fast.weights["wte"] is not weights["wte"]
    before = fast.loss(tokens)
    for row in fast.weights["lm_head"]:
        row[:] = [w * 2 for w in row]
    fast.set_weights(fast.weights)
    changed = fast.loss(tokens)
    assert changed != before
    assert changed == ScalarModel(config, vocab_size, fast.weights).loss(tokens)
    fast.set_weights(weights)
    assert fast.loss(tokens) == before


def test_same_seed_samples_the_same_names_on_both_engines():
    docs = ["anna", "bob", "cyril", "dora", "eve", "frank", "gus", "hanna", "ivo", "jo", "kristoffersen"] * 3
    tiny = dict(n_embd=8, n_head=2, block_size=8, num_steps=15, eval_every=0)
    runs = [Run(Config.from_dict({**tiny, "engine": engine}), docs) for engine in ("scalar", "fast")]
    losses = [[record["loss"] for record in run.steps()] for run in runs]
    assert losses[1] == pytest.approx(losses[0], rel=1e-12)
    names = [generate_many(run.model, run.tokenizer, random.Random(7), 30, 1.0) for run in runs]
    assert names[0] == names[1]
    assert len(set(names[0])) > 5


def test_fast_engine_reproduces_the_original_golden_run(names_path, reference_run):
    docs = parse_documents(names_path.read_text(encoding="utf-8"))
    run = Run(Config(engine="fast", eval_every=0), docs)
    losses = [record["loss"] for record in run.steps()]
    assert len(losses) == len(reference_run["losses"]) == 1000
    for step, (loss, expected) in enumerate(zip(losses, reference_run["losses"]), start=1):
        assert abs(loss - expected) <= 1e-9 * expected, step
    assert losses[0] == reference_run["losses"][0]
    samples = generate_many(run.model, run.tokenizer, run.rng, 20, reference_run["temperature"])
    assert samples == reference_run["samples"]
