"""Model insight: what the model computes, read off a model without changing it (no step, no random draw).

- `next_token`: the distribution the sampler draws the next character from after BOS + a prefix, at a temperature.
  It is computed by the sampler's own code (`sample.read_prefix`, then `sample.probabilities`), so these are the very
  numbers `rng.choices` gets.
- `attention`: per layer and head, the causal attention weights of every position of BOS + a text over the positions
  up to it, as the model's forward computes them (either engine reports them through `logits(..., attention_log)`).
- `embeddings`: a 2-D map of the token embeddings (rows of wte) and of the position embeddings (rows of wpe), by
  principal component analysis in pure Python, with the share of the variance each axis explains.
Each returns plain JSON-able data: the Session sends it to the page as it is, and the CLI prints it.
"""

from math import fsum, sqrt
from operator import mul

from .data import DataError
from .sample import probabilities, read_prefix

END_LABEL = "<end>"      # BOS as the model predicts it: the name ends here
START_LABEL = "<start>"  # BOS as the model reads it, at position 0: every name starts after it
MAX_ITERATIONS = 1000    # power iteration converges in tens of steps unless two axes explain almost the same variance
SQUARINGS = 2            # iterate with the 4th power of the covariance: still exact to ~1e-8 for an axis 100x weaker
TOLERANCE = 1e-12        # ...and stops when the axis moves less than this (it is a unit vector)
SIGN_TIE = 1e-9          # components this close to the largest count as equal to it (the first of them sets the sign)


def token_labels(tokenizer):
    """One label per token id: the characters, then the end token."""
    return list(tokenizer.chars) + [END_LABEL]


def next_token(model, tokenizer, prefix, temperature):
    """After BOS + prefix: the probability of every token at `temperature` (`probs`, what the sampler draws with)
    and at temperature 1 (`probs_t1`, the model's own distribution). Index i is token id i; `end_id` is BOS."""
    _, logits = read_prefix(model, tokenizer, prefix)
    return {"prefix": prefix, "temperature": temperature, "vocab": list(tokenizer.chars),
            "labels": token_labels(tokenizer), "end_id": tokenizer.bos,
            "probs": probabilities(logits, temperature), "probs_t1": probabilities(logits, 1.0)}


def attention(model, tokenizer, text):
    """The attention weights over BOS + text, as weights[layer][head][query][key] (key <= query: causal). A text
    longer than the context is cut to block_size positions and the reply says `cropped`."""
    shown = text[:model.config.block_size - 1]
    tokenizer.check_text(shown, "text")
    attention_log = []  # position after position, layer after layer: per head, the weights over the positions so far
    read_prefix(model, tokenizer, shown, attention_log)
    layers, heads, positions = model.config.n_layer, model.config.n_head, len(shown) + 1
    weights = [[[attention_log[query * layers + layer][head] for query in range(positions)] for head in range(heads)]
               for layer in range(layers)]
    return {"text": shown, "cropped": len(shown) < len(text), "tokens": [tokenizer.bos] + tokenizer.encode(shown),
            "labels": [START_LABEL] + list(shown), "weights": weights}


def embeddings(model, tokenizer):
    """2-D maps of the token embeddings (one point per token id) and the position embeddings (one per position)."""
    weights = model.weights
    token_map = embedding_map(weights["wte"])
    position_map = embedding_map(weights["wpe"])
    return {"tokens": {"labels": token_labels(tokenizer), "ids": list(range(tokenizer.vocab_size)), **token_map},
            "positions": {"labels": [str(pos) for pos in range(len(weights["wpe"]))], **position_map}}


def embedding_map(rows):
    """The rows projected on their two principal axes: {points: [[x, y]], explained: [share of axis 1, of axis 2]}."""
    axes, shares = principal_axes(rows, 2)
    centred = centre(rows)
    return {"points": [[dot(row, axis) for axis in axes] for row in centred], "explained": shares}


def centre(rows):
    count = len(rows)
    mean = [fsum(column) / count for column in zip(*rows)]
    return [[x - m for x, m in zip(row, mean)] for row in rows]


def dot(a, b):
    return fsum(map(mul, a, b))


def gram(vectors):
    """Every pairwise dot product: for the columns of X that is XᵀX, for its rows XXᵀ."""
    return [[dot(a, b) for b in vectors] for a in vectors]


def principal_axes(rows, count):
    """The `count` orthogonal unit directions along which the centred rows vary most, largest first, and each one's
    share of the total variance.

    The directions are the leading eigenvectors of XᵀX (X: the centred rows), found by power iteration: v <- Mv / |Mv|
    converges to the eigenvector of M's largest eigenvalue. M is the smaller of XᵀX and XXᵀ (same nonzero eigenvalues;
    an eigenvector u of XXᵀ gives the direction Xᵀu), raised to the power 4 by squaring: the same eigenvectors, and
    each iteration does the work of four. Deflation: each later axis is kept orthogonal to the ones already found
    (they are projected out at every iteration), so it converges to the largest variance that remains. The start
    vector is the longest row of XᵀX (or XXᵀ) that still has a part outside the earlier axes: deterministic, and
    never orthogonal to the data. Sign: the largest component of each axis is positive (the first of equals, up to
    rounding), so that repeated calls on nearly the same weights do not flip the map. An axis with no variance left
    (fewer distinct points or dimensions than axes) is all zeros, with share 0."""
    centred = centre(rows)
    columns = [list(column) for column in zip(*centred)]
    total = fsum(x * x for row in centred for x in row)
    by_points = len(centred) < len(columns)
    matrix = gram(centred if by_points else columns)
    power = matrix
    for _ in range(SQUARINGS):
        largest = max(abs(x) for row in power for x in row) or 1.0  # rescaled, so that powers neither overflow
        power = gram([[x / largest for x in row] for row in power])  # nor underflow; M² = MᵀM as M is symmetric
    found, axes, shares = [], [], []
    for _ in range(count):
        vector = _power_iteration(matrix, power, found)
        found.append(vector)
        axis = _orthogonal_unit([dot(column, vector) for column in columns], []) if by_points else vector
        axis = _positive_sign(axis or [0.0] * len(columns))
        axes.append(axis)
        shares.append(fsum(dot(row, axis) ** 2 for row in centred) / total if total > 0 else 0.0)
    return axes, shares


def _power_iteration(matrix, power, earlier):
    """The leading eigenvector of `power` orthogonal to `earlier`, started from the longest row of `matrix` with a
    part outside them; zeros if there is none."""
    start = None
    for row in sorted(matrix, key=lambda row: -dot(row, row)):
        start = _orthogonal_unit(row, earlier)
        if start is not None:
            break
    if start is None:
        return [0.0] * len(matrix)
    vector = start
    for _ in range(MAX_ITERATIONS):
        following = _orthogonal_unit([dot(row, vector) for row in power], earlier)
        if following is None:  # no variance left outside the earlier axes
            break
        moved = max(abs(a - b) for a, b in zip(following, vector))
        vector = following
        if moved < TOLERANCE:
            break
    return vector


def _positive_sign(axis):
    largest = max(map(abs, axis))
    leading = next(x for x in axis if abs(x) >= largest - SIGN_TIE)
    return [-x for x in axis] if leading < 0 else axis


def _orthogonal_unit(vector, earlier):
    """`vector` without its parts along the (unit, orthogonal) `earlier` axes, scaled to length 1; None if nothing
    is left (relative to the vector's own length: what remains is rounding)."""
    length = sqrt(dot(vector, vector))
    for axis in earlier:
        along = dot(vector, axis)
        vector = [x - along * a for x, a in zip(vector, axis)]
    remaining = sqrt(dot(vector, vector))
    if remaining == 0 or remaining <= 1e-9 * length:
        return None
    return [x / remaining for x in vector]
