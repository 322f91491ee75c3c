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


def accumulate(y, terms):
    """y + s_1 c_1 + s_2 c_2 + ... for terms (s_k, c_k) of a number and a vector, added term after term. Four terms
    go into each pass over y (a + s0*u0 + s1*u1 + ... is evaluated left to right, so the additions are the same and in
    the same order): in Python the pass, not the arithmetic, is what costs."""
    whole = len(terms) - len(terms) % 4
    for start in range(0, whole, 4):
        (s0, c0), (s1, c1), (s2, c2), (s3, c3) = terms[start:start + 4]
        y = [a + s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 for a, u0, u1, u2, u3 in zip(y, c0, c1, c2, c3)]
    rest = terms[whole:]
    if len(rest) == 3:
        (s0, c0), (s1, c1), (s2, c2) = rest
        y = [a + s0 * u0 + s1 * u1 + s2 * u2 for a, u0, u1, u2 in zip(y, c0, c1, c2)]
    elif len(rest) == 2:
        (s0, c0), (s1, c1) = rest
        y = [a + s0 * u0 + s1 * u1 for a, u0, u1 in zip(y, c0, c1)]
    elif rest:
        ((s0, c0),) = rest
        y = [a + s0 * u0 for a, u0 in zip(y, c0)]
    return y


def linear(x, w_columns):
    """W·x, built column by column: y = 0 + x_0 W[:,0] + x_1 W[:,1] + ..., which gives each y_i the additions of the
    row dot W[i]·x in the same order. Zero inputs (ReLU) are skipped: adding an exact zero changes nothing."""
    return accumulate([0.0] * len(w_columns[0]), [(xj, column) for xj, column in zip(x, w_columns) if xj])


def linear_backward(dy, w):
    """dL/dx = Wᵀ dy = Σ_i dy_i W[i] (zero gradients skipped). dL/dW is `weight_gradient`, once per document."""
    return accumulate([0.0] * len(w[0]), [(dyi, row) for dyi, row in zip(dy, w) if dyi])


def weight_gradient(inputs, output_grads, by_rows=False):
    """dL/dW = Σ_p dy_p x_pᵀ over the positions p (in the order given) where the layer saw x_p and got dy_p back.
    Built by columns (column j = Σ_p x_p[j] dy_p), or by rows (row i = Σ_p dy_p[i] x_p); each skips the zeros of the
    factor it walks, so walk the one ReLU makes sparse."""
    if by_rows:
        zeros = [0.0] * len(inputs[0])
        return [accumulate(zeros, [(dy[i], x) for x, dy in zip(inputs, output_grads) if dy[i]])
                for i in range(len(output_grads[0]))]
    zeros = [0.0] * len(output_grads[0])
    columns = [accumulate(zeros, [(x[j], dy) for x, dy in zip(inputs, output_grads) if x[j]])
               for j in range(len(inputs[0]))]
    return [list(row) for row in zip(*columns)]


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
