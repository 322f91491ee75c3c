"""The fast engine's ops: each a forward on lists of floats plus its own local backward, written out by hand.

They compute what the scalar engine's Values compute, with the same float operations in the same order, so the forward
numbers are bit for bit the scalar engine's (and the original's):
- Sums are added left to right, as `sum()` of Values adds them (from 0, and 0 + first term is exact). Never
  builtin `sum()` or `math.fsum` on floats: from Python 3.12 (Pyodide) `sum()` compensates rounding errors, so the
  page and the terminal would disagree with each other and with the scalar engine.
- Divisions are written as the Value class writes them: a / b is a * b ** -1.
- Adding a term that is exactly zero changes nothing, so products with a zero factor (ReLU outputs, zero gradients)
  are skipped; that is where the MLP's half-dead activations save time.
Gradients are the same maths; they may differ from the scalar engine in the last bits because the scalar engine adds a
node's gradient contributions in its own graph order.
"""

from functools import reduce
from itertools import compress
from math import exp, log
from operator import add, mul

RMSNORM_EPS = 1e-5


def dot(a, b):
    """Σ a_i b_i, added left to right."""
    return reduce(add, map(mul, a, b))


def add_vectors(a, b):
    return [x + y for x, y in zip(a, b)]


def _pass1(y, scalars, vectors):
    s0, = scalars
    v0, = vectors
    return [a + s0 * u0 for a, u0 in zip(y, v0)]


def _pass2(y, scalars, vectors):
    s0, s1 = scalars
    v0, v1 = vectors
    return [a + s0 * u0 + s1 * u1 for a, u0, u1 in zip(y, v0, v1)]


def _pass3(y, scalars, vectors):
    s0, s1, s2 = scalars
    v0, v1, v2 = vectors
    return [a + s0 * u0 + s1 * u1 + s2 * u2 for a, u0, u1, u2 in zip(y, v0, v1, v2)]


def _pass4(y, scalars, vectors):
    s0, s1, s2, s3 = scalars
    v0, v1, v2, v3 = vectors
    return [a + s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 for a, u0, u1, u2, u3 in zip(y, v0, v1, v2, v3)]


def _pass5(y, scalars, vectors):
    s0, s1, s2, s3, s4 = scalars
    v0, v1, v2, v3, v4 = vectors
    return [a + s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 + s4 * u4
            for a, u0, u1, u2, u3, u4 in zip(y, v0, v1, v2, v3, v4)]


def _pass6(y, scalars, vectors):
    s0, s1, s2, s3, s4, s5 = scalars
    v0, v1, v2, v3, v4, v5 = vectors
    return [a + s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 + s4 * u4 + s5 * u5
            for a, u0, u1, u2, u3, u4, u5 in zip(y, v0, v1, v2, v3, v4, v5)]


def _pass7(y, scalars, vectors):
    s0, s1, s2, s3, s4, s5, s6 = scalars
    v0, v1, v2, v3, v4, v5, v6 = vectors
    return [a + s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 + s4 * u4 + s5 * u5 + s6 * u6
            for a, u0, u1, u2, u3, u4, u5, u6 in zip(y, v0, v1, v2, v3, v4, v5, v6)]


# One pass over y adding k terms, indexed by k = 1..7: what is left after the eight-term passes goes in one pass too
# (a name of seven letters is one pass of seven, not four + one + one + one).
_REMAINDER_PASSES = (None, _pass1, _pass2, _pass3, _pass4, _pass5, _pass6, _pass7)


def accumulate(y, scalars, vectors):
    """y + s_1 v_1 + s_2 v_2 + ..., added term after term. Up to eight terms go into each pass over y: a + s0*u0 +
    s1*u1 + ... is evaluated left to right, so the additions are the same and in the same order as one pass per term,
    and in Python it is the pass (the loop, the list), not the arithmetic, that costs."""
    count = len(scalars)
    whole = count - count % 8
    for start in range(0, whole, 8):
        s0, s1, s2, s3, s4, s5, s6, s7 = scalars[start:start + 8]
        v0, v1, v2, v3, v4, v5, v6, v7 = vectors[start:start + 8]
        y = [a + s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 + s4 * u4 + s5 * u5 + s6 * u6 + s7 * u7
             for a, u0, u1, u2, u3, u4, u5, u6, u7 in zip(y, v0, v1, v2, v3, v4, v5, v6, v7)]
    if count > whole:
        y = _REMAINDER_PASSES[count - whole](y, scalars[whole:], vectors[whole:])
    return y


def accumulate_nonzero(y, scalars, vectors):
    """`accumulate` without the terms whose scalar is zero (ReLU outputs, their gradients): adding an exact zero
    changes nothing."""
    if 0.0 not in scalars:
        return accumulate(y, scalars, vectors)
    return accumulate(y, list(compress(scalars, scalars)), list(compress(vectors, scalars)))


def linear(x, w_columns):
    """W·x, built column by column: y = 0 + x_0 W[:,0] + x_1 W[:,1] + ..., which gives each y_i the additions of the
    row dot W[i]·x in the same order (0 + first is exact, as in the scalar engine's sum)."""
    return accumulate_nonzero([0.0] * len(w_columns[0]), x, w_columns)


def linear_backward(dy, w):
    """dL/dx = Wᵀ dy = Σ_i dy_i W[i]. dL/dW is `weight_gradient`, once per document."""
    return accumulate_nonzero([0.0] * len(w[0]), dy, w)


def weight_gradient(inputs, output_grads):
    """dL/dW = Σ_p dy_p x_pᵀ over the positions p (in the order given) where the layer saw x_p and got dy_p back.
    Row i is Σ_p dy_p[i] x_p and column j is Σ_p x_p[j] dy_p: the same products added position after position, so
    either way gives the same bits. ReLU zeroes a hidden unit's output and its gradient at the same positions, about
    half of them, and a zero factor is an exact zero added, so those positions are skipped: mlp_fc2 sees the zeros in
    its inputs, so its gradient is summed by columns (then transposed); mlp_fc1 gets them back in its output
    gradients, so it is summed by rows. Every other layer is summed by rows, eight positions per pass over them all."""
    if any(0.0 in x for x in inputs):
        return [list(row) for row in zip(*_sums_skipping_zeros(inputs, output_grads))]
    if any(0.0 in dy for dy in output_grads):
        return _sums_skipping_zeros(output_grads, inputs)
    return _sums(output_grads, inputs)


def _sums(scalar_vectors, vectors):
    """For every k, Σ_p scalar_vectors[p][k] vectors[p], added p after p: eight positions per pass over all the sums,
    then the rest in one pass per sum (no zero padding: a short document does not pay for eight positions)."""
    sums = [[0.0] * len(vectors[0])] * len(scalar_vectors[0])
    count = len(vectors)
    whole = count - count % 8
    for start in range(0, whole, 8):
        x0, x1, x2, x3, x4, x5, x6, x7 = scalar_vectors[start:start + 8]
        d0, d1, d2, d3, d4, d5, d6, d7 = vectors[start:start + 8]
        sums = [[a + s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 + s4 * u4 + s5 * u5 + s6 * u6 + s7 * u7
                 for a, u0, u1, u2, u3, u4, u5, u6, u7 in zip(total, d0, d1, d2, d3, d4, d5, d6, d7)]
                for total, s0, s1, s2, s3, s4, s5, s6, s7 in zip(sums, x0, x1, x2, x3, x4, x5, x6, x7)]
    if count > whole:
        remainder_pass, rest = _REMAINDER_PASSES[count - whole], vectors[whole:]
        sums = [remainder_pass(total, scalars, rest) for total, scalars in zip(sums, zip(*scalar_vectors[whole:]))]
    return sums


def _sums_skipping_zeros(scalar_vectors, vectors):
    """`_sums`, one sum at a time, each without the positions where its scalar is zero."""
    width = len(vectors[0])
    return [accumulate_nonzero([0.0] * width, scalars, vectors) for scalars in zip(*scalar_vectors)]


def rmsnorm(x):
    """x · (mean(x²) + eps)^-½; returns the output and the scale, which the backward needs."""
    mean_square = dot(x, x) * len(x) ** -1
    scale = (mean_square + RMSNORM_EPS) ** -0.5
    return [xi * scale for xi in x], scale


def rmsnorm_backward(x, scale, dy):
    """y_i = x_i s with s = (ms + eps)^-½ and ms = Σ x_j² / n: dx_i = s dy_i + (Σ_j dy_j x_j) · ds/dms · 2 x_i / n,
    where ds/dms = -½ (ms + eps)^-3/2 = -½ s³."""
    dscale = dot(dy, x)
    coefficient = dscale * (-0.5 * scale * scale * scale) * 2 * len(x) ** -1
    return [scale * d + coefficient * xi for d, xi in zip(dy, x)]


def relu(x):
    return [xi if xi > 0 else 0.0 for xi in x]


def relu_backward(y, dy):
    """The gradient passes where the unit was active (y > 0 exactly when its input was)."""
    return [d if yi else 0.0 for d, yi in zip(dy, y)]


def softmax(logits):
    """exp(l - max) / Σ exp, the max only for stability (a constant: no gradient flows through it)."""
    top = max(logits)
    exps = [exp(logit - top) for logit in logits]
    inverse_total = reduce(add, exps) ** -1
    return [e * inverse_total for e in exps]


def softmax_backward(probs, dprobs):
    """dL/dl_i = p_i (dL/dp_i - Σ_j p_j dL/dp_j)."""
    weighted = dot(probs, dprobs)
    return [p * (d - weighted) for p, d in zip(probs, dprobs)]


def cross_entropy(probs, target):
    """-log p[target], written as the scalar engine writes it (log(p) * -1)."""
    return log(probs[target]) * -1


def cross_entropy_backward(probs, target, dloss):
    """d(-log softmax(l)[target])/dl = p - onehot(target), times the upstream gradient."""
    dlogits = [p * dloss for p in probs]
    dlogits[target] = (probs[target] - 1) * dloss
    return dlogits


def attention(q_heads, key_columns, values, scale, scores_log=None):
    """Causal attention of one query over the cached positions. key_columns[h][j] holds number j of head h's key at
    every cached position, so one head's scores over all positions are one `accumulate` (each q·k_s added in the
    order of a dot) instead of one dot per position; values: one list of heads per position.
    Per head: w = softmax(q·k_s · scale over s), out = Σ_s w_s v_s. Returns the heads' outputs and weights; if
    `scores_log` is a list, each head's scores (q·k_s · scale) are appended to it (the trace)."""
    outputs, weights = [], []
    positions = len(values)
    for h, q in enumerate(q_heads):
        scores = [score * scale for score in accumulate([0.0] * positions, q, key_columns[h])]
        w = softmax(scores)
        outputs.append(accumulate([0.0] * len(q), w, [v[h] for v in values]))
        weights.append(w)
        if scores_log is not None:
            scores_log.append(scores)
    return outputs, weights


def attention_backward(dout_heads, keys, value_columns, weights, scale, grads_log=None):
    """Backward of `attention` for one query over its `len(keys)` positions (value_columns as key_columns there; they
    may hold later positions too, which the shorter accumulate ignores). Returns dL/dq and dL/d(q·k) per head; the
    keys' and values' gradients are summed once per position by `attention_key_value_grads`. If `grads_log` is a
    dict, it gets per head the gradients of the weights and of the scores (q·k · scale) under "weights", "scores"."""
    dq_heads, dscore_heads = [], []
    for h, (dout, w) in enumerate(zip(dout_heads, weights)):
        dweights = accumulate([0.0] * len(w), dout, value_columns[h])
        dlogits = softmax_backward(w, dweights)
        dscores = [dl * scale for dl in dlogits]
        dq_heads.append(accumulate([0.0] * len(dout), dscores, [k[h] for k in keys]))
        dscore_heads.append(dscores)
        if grads_log is not None:
            grads_log.setdefault("weights", []).append(dweights)
            grads_log.setdefault("scores", []).append(dlogits)
    return dq_heads, dscore_heads


def attention_key_value_grads(position, queries):
    """dL/dk and dL/dv (per head) of the cached `position`, from every query that attended to it: `queries` holds,
    per head, the queries' (q, dout, weights, dscores) lists in the order the backward took them; each gradient adds
    the queries' contributions in that order: dv = Σ_t w_t[position] dout_t, dk = Σ_t dscore_t[position] q_t."""
    dkeys, dvalues = [], []
    for q, dout, weights, dscores in queries:
        zeros = [0.0] * len(q[0])
        dvalues.append(accumulate(zeros, [w[position] for w in weights], dout))
        dkeys.append(accumulate(zeros, [d[position] for d in dscores], q))
    return dkeys, dvalues
