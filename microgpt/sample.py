"""Sampling: let the trained model babble, one token at a time, from BOS (and an optional prefix) until BOS.

Works with either engine through `model.logits`, which builds no graph. Probabilities are computed with the same
operations as the original's softmax on Values (logit * T**-1, then the fast engine's softmax, which mirrors it), and
the draw is `rng.choices(range(vocab_size), weights=probs)`, so both engines give the original's names.
`sample_names` is the sampling step of a run, shared by the CLI (after training, and from a checkpoint) and the page.
`read_prefix` + `probabilities` is also how model insight (insight.py) shows the distribution the sampler draws from.
"""

import math
import random

from .config import parse_sample_seed
from .data import DataError
from .fast_ops import softmax


def probabilities(logits, temperature):
    """softmax(logits * T**-1): the original divides Values by T, which is a multiplication by T**-1. A temperature
    so small that this overflows (T = 1e-310) is the limit T -> 0: all the probability on the likeliest token."""
    try:
        inverse = temperature ** -1
    except OverflowError:
        inverse = math.inf
    scaled = [logit * inverse for logit in logits] if math.isfinite(inverse) else None
    if scaled is not None and math.isfinite(max(scaled)):
        return softmax(scaled)
    best = logits.index(max(logits))
    return [1.0 if i == best else 0.0 for i in range(len(logits))]


def check_prefix(tokenizer, prefix, block_size):
    """Refuse a prefix with characters outside the vocabulary or no room left to generate in the context."""
    tokenizer.check_text(prefix)
    if len(prefix) >= block_size:
        raise DataError(f"prefix: {len(prefix)} characters leaves no room to generate within block_size "
                        f"{block_size}; use at most {block_size - 1}")


def read_prefix(model, tokenizer, prefix, attention_log=None):
    """Feed BOS and the prefix at positions 0..len(prefix); return the KV cache and the logits of the next token.
    If `attention_log` is a list, each position appends its attention weights to it (see the models' `logits`)."""
    block_size = model.config.block_size
    check_prefix(tokenizer, prefix, block_size)
    cache = model.new_cache()
    logits = None
    for pos_id, token_id in enumerate([tokenizer.bos] + tokenizer.encode(prefix)):
        logits = model.logits(token_id, pos_id, cache, attention_log)
    return cache, logits


def generate(model, tokenizer, rng, temperature, prefix=""):
    """One sample: the prefix followed by what the model draws, at most block_size tokens in all."""
    cache, logits = read_prefix(model, tokenizer, prefix)
    out = tokenizer.encode(prefix)
    while True:
        probs = probabilities(logits, temperature)
        token_id = rng.choices(range(tokenizer.vocab_size), weights=probs)[0]
        if token_id == tokenizer.bos:
            break
        out.append(token_id)
        if len(out) == model.config.block_size:  # its position (len(out), after BOS) would be outside the context
            break
        logits = model.logits(token_id, len(out), cache)
    return tokenizer.decode(out)


def generate_many(model, tokenizer, rng, count, temperature, prefix=""):
    return [generate(model, tokenizer, rng, temperature, prefix) for _ in range(count)]


def sample_names(model, tokenizer, config, stream, sample_seed=None, num_samples=None, temperature=None, prefix=None):
    """`config.num_samples` names at `config.temperature` from `config.prefix`, each of those replaced when given (and
    checked like any Config value). With a `sample_seed` the names are reproducible: they come from a fresh
    Random(sample_seed); without one (None or "") they continue the run's random `stream`, as the original does."""
    changes = {name: value for name, value in
               (("num_samples", num_samples), ("temperature", temperature), ("prefix", prefix)) if value is not None}
    config = config.replace(**changes) if changes else config
    rng = stream if sample_seed is None or sample_seed == "" else random.Random(parse_sample_seed(sample_seed))
    return generate_many(model, tokenizer, rng, config.num_samples, config.temperature, config.prefix)


def timeline_rng(seed, step):
    """The random stream of the names a run of training seed `seed` shows at `step` (the page's timeline of names as
    the model learns): its own, derived from the seed and the step, so drawing them leaves the run's stream untouched
    and the same run shows the same names."""
    return random.Random(f"timeline {seed} {step}")


def timeline_names(model, tokenizer, config, step, count):
    """`count` names from the model as it is at `step`, at the run's temperature and without its prefix, drawn from
    `timeline_rng` (never from the run's stream)."""
    return generate_many(model, tokenizer, timeline_rng(config.seed, step), count, config.temperature)


def sample_stats(samples, training_docs):
    """How samples compare with what the model was trained on: their mean length (characters) and the share of them
    that are, letter for letter, documents of the training split (memorised rather than invented)."""
    if not samples:
        return {"mean_length": None, "in_training": None}
    known = set(training_docs)
    return {"mean_length": sum(len(sample) for sample in samples) / len(samples),
            "in_training": sum(sample in known for sample in samples) / len(samples)}
