"""The fast engine's ops: each a forward on lists of floats plus its own local backward, written out by hand.

They compute what the scalar engine's Values compute, with the same float operations in the same order, so the forward
numbers are bit for bit the scalar engine's (and the original's):
- Sums are added left to right, starting from the first term, as `sum()` of Values does (0 + first is exact). Never
  builtin `sum()` or `math.fsum` on floats: from Python 3.12 (Pyodide) `sum()` compensates rounding errors, so the
  page and the terminal would disagree with each other and with the scalar engine.
- Divisions are written as the Value class writes them: a / b is a * b ** -1.
- Adding a term that is exactly zero changes nothing, so products with a zero factor (ReLU outputs, zero gradients)
  are skipped; that is where the MLP's half-dead activations save time.
Gradients are the same maths; they may differ from the scalar engine in the last bits because the scalar engine adds a
node's gradient contributions in its own graph order.
"""

from functools import reduce
from math import exp, log
from operator import add, mul

RMSNORM_EPS = 1e-5


def dot(a, b):
    """Σ a_i b_i, added left to right."""
    return reduce(add, map(mul, a, b))


def add_vectors(a, b):
    return [x + y for x, y in zip(a, b)]


def linear(x, w_columns):
    """W·x, built column by column (y += x_j W[:, j]): each y_i gets the same additions in the same order as the row
    dot W[i]·x, but the Python loop runs over whole columns instead of single numbers."""
    y = None
    for xj, column in zip(x, w_columns):
        if xj:
            y = [w * xj for w in column] if y is None else [acc + w * xj for acc, w in zip(y, column)]
    return y if y is not None else [0.0] * len(w_columns[0])


def linear_backward(x, dy, w, dw_columns):
    """y = W·x: add dL/dW = dy xᵀ into `dw_columns` (kept transposed, column j += x_j dy) and return dL/dx = Wᵀ dy."""
    for j, xj in enumerate(x):
        if xj:
            dw_columns[j] = [g + xj * d for g, d in zip(dw_columns[j], dy)]
    dx = None
    for dyi, row in zip(dy, w):
        if dyi:
            dx = [dyi * wij for wij in row] if dx is None else [acc + dyi * wij for acc, wij in zip(dx, row)]
    return dx if dx is not None else [0.0] * len(x)


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


def attention(q_heads, keys, values, scale):
    """Causal attention of one query over the cached positions (keys/values: one list of heads per position).
    Per head: w = softmax(q·k_s · scale over s), out = Σ_s w_s v_s. Returns the heads' outputs and weights."""
    outputs, weights = [], []
    for h, q in enumerate(q_heads):
        w = softmax([dot(q, k[h]) * scale for k in keys])
        out = [w[0] * vj for vj in values[0][h]]
        for ws, v in zip(w[1:], values[1:]):
            out = [acc + ws * vj for acc, vj in zip(out, v[h])]
        outputs.append(out)
        weights.append(w)
    return outputs, weights


def attention_backward(dout_heads, q_heads, keys, values, weights, dkeys, dvalues, scale):
    """Backward of `attention` for one query: returns dL/dq per head and adds into dkeys/dvalues (same layout as the
    cache) the contributions of this query to every position it attended to."""
    dq_heads = []
    for h, (dout, q, w) in enumerate(zip(dout_heads, q_heads, weights)):
        dlogits = softmax_backward(w, [dot(dout, v[h]) for v in values])
        dq = None
        for s, (ws, dl, k) in enumerate(zip(w, dlogits, keys)):
            dvalues[s][h] = [g + ws * d for g, d in zip(dvalues[s][h], dout)]
            dscore = dl * scale
            dkeys[s][h] = [g + dscore * qi for g, qi in zip(dkeys[s][h], q)]
            dq = [dscore * kj for kj in k[h]] if dq is None else [acc + dscore * kj for acc, kj in zip(dq, k[h])]
        dq_heads.append(dq)
    return dq_heads
