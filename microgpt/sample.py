"""Sampling: let the trained model babble, one token at a time, from BOS (and an optional prefix) until BOS.

Works with either engine through `model.logits`, which builds no graph. Probabilities are computed with the same
operations as the original's softmax on Values (logit * T**-1, subtract the max, exp, divide by the running sum), and
the draw is `rng.choices(range(vocab_size), weights=probs)`, so both engines give the original's names.
"""

import math

from .data import DataError


def softmax(logits, temperature=1.0):
    inverse = temperature ** -1
    scaled = [logit * inverse for logit in logits]
    max_val = max(scaled)
    exps = [math.exp(x + -max_val) for x in scaled]
    total = 0
    for e in exps:
        total += e
    inverse_total = total ** -1
    return [e * inverse_total for e in exps]


def generate(model, tokenizer, rng, temperature, prefix=""):
    """One sample: the prefix followed by what the model draws, at most block_size tokens in all."""
    block_size = model.config.block_size
    tokenizer.check_text(prefix)
    if len(prefix) >= block_size:
        raise DataError(f"prefix: {len(prefix)} characters leaves no room to generate within block_size "
                        f"{block_size}; use at most {block_size - 1}")
    cache = model.new_cache()
    token_id, out = tokenizer.bos, tokenizer.encode(prefix)
    for pos_id, forced in enumerate(out):
        model.logits(token_id, pos_id, cache)
        token_id = forced
    for pos_id in range(len(out), block_size):
        probs = softmax(model.logits(token_id, pos_id, cache), temperature)
        token_id = rng.choices(range(tokenizer.vocab_size), weights=probs)[0]
        if token_id == tokenizer.bos:
            break
        out.append(token_id)
    return tokenizer.decode(out)


def generate_many(model, tokenizer, rng, count, temperature, prefix=""):
    return [generate(model, tokenizer, rng, temperature, prefix) for _ in range(count)]
