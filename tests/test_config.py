"""Config: defaults, coercion, and a clear message naming the field for every bad value."""

import pytest

from microgpt import cost
from microgpt.config import Config, ConfigError, describe, field_problems, parse_sample_seed


def test_defaults_are_the_originals():
    c = Config()
    assert (c.n_embd, c.n_head, c.n_layer, c.block_size) == (16, 4, 1, 16)
    assert (c.learning_rate, c.beta1, c.beta2, c.adam_eps, c.num_steps, c.seed) == (0.01, 0.85, 0.99, 1e-8, 1000, 42)
    assert (c.num_samples, c.temperature, c.init_std) == (20, 0.5, 0.08)
    assert cost.num_params(c, 27) == 4192


@pytest.mark.parametrize("values, field, words", [
    ({"n_embd": 30}, "n_embd", "not divisible by n_head (4)"),
    ({"n_embd": 0}, "n_embd", "at least 1"),
    ({"n_layer": -1}, "n_layer", "too small"),
    ({"learning_rate": 0}, "learning_rate", "greater than 0"),
    ({"learning_rate": float("nan")}, "learning_rate", "not a finite number"),
    ({"temperature": float("inf")}, "temperature", "not a finite number"),
    ({"block_size": 10**9}, "block_size", "at most 256"),
    ({"num_steps": 2.5}, "num_steps", "not a whole number"),
    ({"seed": "abc"}, "seed", "not a whole number"),
    ({"seed": True}, "seed", "expected a number"),
    ({"engine": "gpu"}, "engine", "not one of fast, scalar"),
    ({"bogus": 1}, "unknown", "unknown setting(s): bogus"),
])
def test_bad_values_are_refused_by_name(values, field, words):
    problems = field_problems(values)
    assert field in problems and words in problems[field]
    with pytest.raises(ConfigError, match=field if field != "unknown" else "bogus"):
        Config.from_dict(values)


def test_strings_from_the_command_line_or_a_url_are_parsed():
    c = Config.from_dict({"n_embd": "32", "learning_rate": "0.02", "engine": "scalar", "num_steps": 10.0})
    assert (c.n_embd, c.learning_rate, c.engine, c.num_steps) == (32, 0.02, "scalar", 10)


def test_models_too_large_for_memory_are_refused():
    c = Config(n_embd=512, n_head=4, n_layer=16)
    assert cost.num_params(c, 27) > cost.MAX_PARAMS
    with pytest.raises(ConfigError, match="parameters is more than"):
        cost.check_size(c, 27)


def test_describe_lists_every_field_with_its_range():
    table = {row["name"]: row for row in describe()}
    assert set(table) == set(Config().to_dict())
    assert table["n_embd"]["min"] == 1 and table["engine"]["choices"] == ["fast", "scalar"]


def test_round_trip_through_dict():
    c = Config(n_embd=32, seed=7)
    assert Config.from_dict(c.to_dict()) == c
    assert c.replace(seed=8).seed == 8


def test_the_sampling_seed_is_checked_like_the_training_seed_under_its_own_name():
    assert parse_sample_seed("7") == 7 and parse_sample_seed(2**32 - 1) == 2**32 - 1
    for bad, words in ((-1, "sample_seed: -1 is too small"), ("x", "sample_seed: 'x' is not a whole number"),
                       (2**32, "sample_seed: 4294967296 is too large")):
        with pytest.raises(ConfigError, match=words):
            parse_sample_seed(bad)
