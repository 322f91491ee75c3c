"""Model insight: the next-token distribution is the sampler's, attention is causal and the same on both engines, the
embedding map's PCA recovers known axes, and the Session's insight requests and `command` (docs/PROTOCOL.md)."""

import itertools
import json
import math
import random
import shlex

import pytest

from microgpt import checkpoint, insight
from microgpt.__main__ import build_parser
from microgpt.config import FIELDS, Config
from microgpt.data import DataError
from microgpt.model import ScalarModel
from microgpt.sample import generate
from microgpt.session import Session, UserError
from microgpt.train import Run
from tests.test_cli import cli

DOCS = ["anna", "bob", "cyril", "dora", "eve", "frank", "gus", "hanna", "ivo", "jo", "emma", "mona"]
SMALL = dict(n_embd=8, n_head=2, n_layer=2, block_size=8, num_steps=30, eval_every=0)


@pytest.fixture(scope="module")
def trained():
    """A fast-engine run after some training (so that the distributions are not uniform)."""
    run = Run(Config.from_dict(SMALL), DOCS)
    list(run.steps(20))
    return run


class RecordingRandom(random.Random):
    """A random stream that remembers the weights every `choices` call was given."""

    def __init__(self, seed):
        super().__init__(seed)
        self.weights_seen = []

    def choices(self, population, weights=None, **kwargs):
        self.weights_seen.append(list(weights))
        return super().choices(population, weights=weights, **kwargs)


def test_the_distribution_sums_to_one_and_is_what_the_sampler_draws_from(trained):
    for prefix, temperature in [("", 0.5), ("em", 0.8), ("an", 1.7)]:
        reply = insight.next_token(trained.model, trained.tokenizer, prefix, temperature)
        assert len(reply["probs"]) == trained.tokenizer.vocab_size == len(reply["labels"])
        assert abs(math.fsum(reply["probs"]) - 1) < 1e-12 and abs(math.fsum(reply["probs_t1"]) - 1) < 1e-12
        assert reply["end_id"] == trained.tokenizer.bos and reply["labels"][-1] == "<end>"
        assert reply["probs_t1"] == insight.next_token(trained.model, trained.tokenizer, prefix, 1.0)["probs"]
        stream = RecordingRandom(7)
        generate(trained.model, trained.tokenizer, stream, temperature, prefix)
        assert stream.weights_seen[0] == reply["probs"]


def test_a_draw_from_the_distribution_reproduces_the_samplers_first_character(trained):
    probs = insight.next_token(trained.model, trained.tokenizer, "e", 0.9)["probs"]
    for seed in range(20):
        drawn = random.Random(seed).choices(range(len(probs)), weights=probs)[0]
        name = generate(trained.model, trained.tokenizer, random.Random(seed), 0.9, "e")
        expected = "" if drawn == trained.tokenizer.bos else trained.tokenizer.chars[drawn]
        assert name[1:2] == expected


def test_scalar_and_fast_engines_give_the_same_insight(trained):
    scalar = ScalarModel(trained.config, trained.tokenizer.vocab_size, trained.model.weights)
    tokenizer = trained.tokenizer
    for prefix in ["", "mo", "hann"]:
        fast_probs = insight.next_token(trained.model, tokenizer, prefix, 0.6)["probs"]
        scalar_probs = insight.next_token(scalar, tokenizer, prefix, 0.6)["probs"]
        assert max(abs(a - b) for a, b in zip(fast_probs, scalar_probs)) <= 1e-12
    fast_weights = insight.attention(trained.model, tokenizer, "hanna")["weights"]
    scalar_weights = insight.attention(scalar, tokenizer, "hanna")["weights"]
    flat_fast, flat_scalar = ([w for layer in weights for head in layer for row in head for w in row]
                              for weights in (fast_weights, scalar_weights))
    assert len(flat_fast) == len(flat_scalar) == 2 * 2 * (1 + 2 + 3 + 4 + 5 + 6)
    assert max(abs(a - b) for a, b in zip(flat_fast, flat_scalar)) <= 1e-12
    assert insight.embeddings(trained.model, tokenizer) == insight.embeddings(scalar, tokenizer)


def test_attention_rows_are_causal_and_sum_to_one(trained):
    reply = insight.attention(trained.model, trained.tokenizer, "emma")
    assert reply["labels"] == ["<start>", "e", "m", "m", "a"] and not reply["cropped"]
    assert reply["tokens"] == [trained.tokenizer.bos] + trained.tokenizer.encode("emma")
    weights = reply["weights"]
    assert len(weights) == SMALL["n_layer"] and all(len(layer) == SMALL["n_head"] for layer in weights)
    for head in itertools.chain.from_iterable(weights):
        assert [len(row) for row in head] == [1, 2, 3, 4, 5]
        assert all(abs(math.fsum(row) - 1) < 1e-12 and min(row) >= 0 for row in head)


def test_attention_is_the_weights_the_forward_uses(trained):
    """The fast engine's training tape records the attention weights its backward uses: insight reports those."""
    model, tokenizer = trained.model, trained.tokenizer
    tape, cache = [], model.new_cache()
    for pos_id, token_id in enumerate([tokenizer.bos] + tokenizer.encode("dora")):
        model.forward(token_id, pos_id, cache, tape)
    weights = insight.attention(model, tokenizer, "dora")["weights"]
    for layer, head, query in itertools.product(range(2), range(2), range(5)):
        layer_record = tape[query][2][layer]
        assert weights[layer][head][query] == layer_record[4][head]


def test_attention_crops_to_the_context_and_checks_characters(trained):
    reply = insight.attention(trained.model, trained.tokenizer, "hannahannah")
    assert reply["cropped"] and reply["text"] == "hannaha" and len(reply["labels"]) == SMALL["block_size"]
    with pytest.raises(DataError, match="text: 'X' not in the vocabulary"):
        insight.attention(trained.model, trained.tokenizer, "aXa")


def known_points():
    """Eight points offset from the origin, spread along three orthogonal unit directions with standard deviations
    5, 2 and 1 (every sign combination, so the spreads are uncorrelated): variances 25, 4, 1 of a total 30."""
    directions = [[1, 1, 0, 0, 0], [1, -1, 0, 0, 0], [0, 0, 1, 1, 1]]
    directions = [[x / math.sqrt(sum(y * y for y in d)) for x in d] for d in directions]
    offset = [0.3, -2.0, 5.0, 1.0, 0.5]
    points = []
    for signs in itertools.product([-1, 1], repeat=3):
        point = list(offset)
        for sign, spread, direction in zip(signs, [5, 2, 1], directions):
            point = [p + sign * spread * d for p, d in zip(point, direction)]
        points.append(point)
    return points, directions


def test_pca_recovers_the_axes_and_their_shares_of_a_known_matrix():
    points, directions = known_points()
    axes, shares = insight.principal_axes(points, 2)
    for axis, direction in zip(axes, directions):  # (1, 1, 0, 0, 0)/√2 and (1, -1, 0, 0, 0)/√2: the signs too, since
        assert max(abs(a - d) for a, d in zip(axis, direction)) < 1e-9  # the first of the largest components is > 0
    assert shares == pytest.approx([25 / 30, 4 / 30], abs=1e-12)
    projected = insight.embedding_map(points)
    assert projected["explained"] == shares
    assert sorted(abs(round(x, 9)) for x, _ in projected["points"]) == [5.0] * 8
    assert sorted(abs(round(y, 9)) for _, y in projected["points"]) == [2.0] * 8


def test_pca_with_more_dimensions_than_points_finds_the_same_axes():
    """12 dimensions and 8 points: the iteration runs on XXᵀ (8 x 8) instead of XᵀX (12 x 12)."""
    points, directions = known_points()
    padding = [0.0] * 7
    axes, shares = insight.principal_axes([point + padding for point in points], 2)
    for axis, direction in zip(axes, directions):
        assert max(abs(a - d) for a, d in zip(axis, direction + padding)) < 1e-9
    assert shares == pytest.approx([25 / 30, 4 / 30], abs=1e-12)


def test_pca_sign_does_not_depend_on_the_start_or_the_order_of_the_points():
    """All the centred points are equally far from the mean, so the order decides the start vector; and the axes'
    two largest components are equal (up to rounding), so the first of them must set the sign."""
    points, _ = known_points()
    axes, _ = insight.principal_axes(points, 2)
    for reordered in (points[::-1], points[3:] + points[:3]):
        again, _ = insight.principal_axes(reordered, 2)
        assert all(abs(a - b) < 1e-9 for axis, other in zip(axes, again) for a, b in zip(axis, other))


def test_pca_of_degenerate_data_has_empty_axes():
    axes, shares = insight.principal_axes([[1.0, 2.0], [2.0, 4.0], [4.0, 8.0]], 2)  # all on one line
    assert shares == pytest.approx([1.0, 0.0]) and axes[1] == [0.0, 0.0]
    assert insight.principal_axes([[1.0, 2.0, 3.0]], 2) == ([[0.0] * 3, [0.0] * 3], [0.0, 0.0])
    assert insight.principal_axes([[1.0], [3.0]], 2) == ([[1.0], [0.0]], [1.0, 0.0])


def test_embedding_map_has_a_point_per_token_and_per_position(trained):
    reply = insight.embeddings(trained.model, trained.tokenizer)
    tokens, positions = reply["tokens"], reply["positions"]
    assert tokens["labels"] == list(trained.tokenizer.chars) + ["<end>"]
    assert tokens["ids"] == list(range(trained.tokenizer.vocab_size)) and len(tokens["points"]) == len(tokens["ids"])
    assert positions["labels"] == [str(p) for p in range(SMALL["block_size"])]
    for part in (tokens, positions):
        assert all(len(point) == 2 for point in part["points"])
        assert 0 < part["explained"][1] <= part["explained"][0] and sum(part["explained"]) <= 1 + 1e-12


# --- the Session's requests


def call(session, kind, payload=None):
    return json.loads(session.handle(kind, json.dumps({} if payload is None else payload)))


@pytest.fixture
def session():
    s = Session()
    call(s, "configure", {"config": {**SMALL, "engine": "scalar"}, "data": {"source": "text", "text": "\n".join(DOCS)}})
    call(s, "train", {"budget_ms": 30})
    return s


def test_insight_requests_answer_and_leave_the_run_alone(session):
    run = session.run
    before = (run.step, run.rng.getstate(), run.model.weights)
    distribution = call(session, "next_token", {"prefix": "an", "temperature": 0.7})
    assert distribution["prefix"] == "an" and distribution["temperature"] == 0.7
    assert distribution["vocab"] == list(run.tokenizer.chars) and distribution["end_id"] == run.tokenizer.bos
    assert distribution["probs"] == insight.next_token(run.model, run.tokenizer, "an", 0.7)["probs"]
    assert call(session, "next_token", {"prefix": "an"})["temperature"] == run.config.temperature
    assert call(session, "attention", {"text": "emma"})["labels"] == ["<start>", "e", "m", "m", "a"]
    maps = call(session, "embeddings")
    assert maps["step"] == run.step and len(maps["tokens"]["points"]) == run.tokenizer.vocab_size
    assert (run.step, run.rng.getstate(), run.model.weights) == before


@pytest.mark.parametrize("kind, payload, words", [
    ("next_token", {"prefix": 5}, "prefix: expected text, got 5"),
    ("next_token", {"prefix": "aQ"}, "prefix: 'Q' not in the vocabulary"),
    ("next_token", {"prefix": "hannahan"}, "use at most 7"),
    ("next_token", {"temperature": "hot"}, "temperature: 'hot' is not a number"),
    ("next_token", {"temperature": 0}, "temperature: 0.0 is too small"),
    ("next_token", {"temperature": True}, "temperature: expected a number"),
    ("attention", {}, "text must be a string .* got nothing"),
    ("attention", {"text": ["a"]}, "text must be a string .* got list"),
    ("attention", {"text": "a1"}, "text: '1' not in the vocabulary"),
    ("embeddings", [], "payload must be an object, got list"),
    ("next_token", "an", "payload must be an object, got str"),
])
def test_bad_insight_payloads_are_user_errors(session, kind, payload, words):
    with pytest.raises(UserError, match=words):
        session.handle(kind, json.dumps(payload))


def test_insight_before_configure_is_refused():
    for kind in ("next_token", "attention", "embeddings"):
        with pytest.raises(UserError, match="configure a run first"):
            Session().handle(kind, json.dumps({"text": "a"}))


def parse_command(command):
    """The Config a `python -m microgpt train ...` line trains with, as the CLI reads it."""
    words = shlex.split(command)
    assert words[:4] == ["python", "-m", "microgpt", "train"]
    args = build_parser().parse_args(words[3:])
    return Config.from_dict({f.name: getattr(args, f.name) for f in FIELDS if getattr(args, f.name) is not None}), args


def test_command_reproduces_the_run_with_only_non_default_flags():
    s = Session()
    assert call(s, "configure", {"config": {}})["command"] == "python -m microgpt train"
    settings = {"learning_rate": 0.03, "n_embd": 8, "engine": "scalar", "adam_eps": 1e-9, "prefix": "-o'b",
                "temperature": 0.1 + 0.2}
    reply = call(s, "configure", {"config": settings, "data": {"source": "builtin"}})
    config, args = parse_command(reply["command"])
    assert config == s.run.config and args.data is None
    assert "--n-embd 8" in reply["command"] and "--n-head" not in reply["command"]
    text = call(s, "configure", {"config": {"num_steps": 5}, "data": {"source": "text", "text": "ab\nba\n"}})
    assert text["command"] == "python -m microgpt train --data your-data.txt --num-steps 5"
    saved = call(s, "save")["checkpoint"]
    assert call(s, "load", {"checkpoint": saved})["command"] == text["command"]


# --- the command line's text view


def test_cli_inspect_prints_the_same_numbers(tmp_path, trained):
    path = tmp_path / "m.json"
    path.write_text(checkpoint.to_json(trained))
    result = cli("inspect", "--checkpoint", path, "--prefix", "an", "--temperature", "0.8", "--text", "emma",
                 "--top", "4")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    distribution = insight.next_token(trained.model, trained.tokenizer, "an", 0.8)
    likeliest = sorted(range(len(distribution["probs"])), key=lambda i: -distribution["probs"][i])[:4]
    header = lines.index("next token after <start> a n: the 4 likeliest of 21, at temperature 0.8 "
                         "(what sampling draws from) and at 1")
    for line, i in zip(lines[header + 2:header + 6], likeliest):
        assert line.split()[:3] == [distribution["labels"][i], f"{distribution['probs'][i]:.4f}",
                                    f"{distribution['probs_t1'][i]:.4f}"]
    weights = insight.attention(trained.model, trained.tokenizer, "emma")["weights"]
    head = lines.index("layer 1, head 0")
    assert lines[head + 1].split() == ["<start>", "e", "m", "m", "a"]
    assert lines[head + 6].split() == ["a"] + [f"{w:.2f}" for w in weights[1][0][4]]
    assert sum(line.startswith("layer ") for line in lines) == SMALL["n_layer"] * SMALL["n_head"]
    maps = insight.embeddings(trained.model, trained.tokenizer)
    share_1, share_2 = maps["tokens"]["explained"]
    explained = lines.index(f"token embeddings (rows of wte), 2-D PCA: axis 1 explains {share_1:.1%} of the "
                            f"variance, axis 2 {share_2:.1%}")
    x, y = maps["tokens"]["points"][-1]
    assert lines[explained + trained.tokenizer.vocab_size].split() == ["<end>", f"{x:+.4f}", f"{y:+.4f}"]
    assert lines[-1].split()[0] == str(SMALL["block_size"] - 1)


@pytest.mark.parametrize("args, words", [
    (["--prefix", "aQ"], "prefix: 'Q' not in the vocabulary"),
    (["--temperature", "hot"], "temperature: 'hot' is not a number"),
    (["--text", "e1"], "text: '1' not in the vocabulary"),
    (["--top", "0"], "--top: '0' is not a whole number of at least 1"),
])
def test_cli_inspect_refusals_are_one_error_line(tmp_path, trained, args, words):
    path = tmp_path / "m.json"
    path.write_text(checkpoint.to_json(trained))
    result = cli("inspect", "--checkpoint", path, *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and words in result.stderr
