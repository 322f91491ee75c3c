"""Every fast op's hand-written backward against central finite differences of its own forward.

Each op is reduced to a scalar L = Σ_i c_i out_i with fixed random c, so dL/dout = c and the backward's answer can be
compared with (L(x + h) - L(x - h)) / 2h for each input number.
"""

import random

import pytest

from microgpt import fast_ops

H = 1e-6
RTOL, ATOL = 1e-6, 1e-8


def vector(rng, n, scale=1.0):
    return [rng.gauss(0, scale) for _ in range(n)]


def numeric_gradient(loss, x):
    """d loss / d x_i for each i, by central differences (x is a list of floats, perturbed in place and restored)."""
    grad = []
    for i, xi in enumerate(x):
        x[i] = xi + H
        up = loss()
        x[i] = xi - H
        down = loss()
        x[i] = xi
        grad.append((up - down) / (2 * H))
    return grad


def weighted(out, coefficients):
    return fast_ops.dot(out, coefficients)


def test_linear_backward():
    rng = random.Random(0)
    w = [vector(rng, 5) for _ in range(3)]
    x = vector(rng, 5)
    x[2] = 0.0                                   # a zero input (as after ReLU) is skipped by the forward
    c = vector(rng, 3)

    def loss():
        return weighted(fast_ops.linear(x, list(zip(*w))), c)

    dx = fast_ops.linear_backward(c, w)
    assert dx == pytest.approx(numeric_gradient(loss, x), rel=RTOL, abs=ATOL)
    dw = fast_ops.weight_gradient([x], [c])
    for row, grad_row in zip(w, dw):
        assert grad_row == pytest.approx(numeric_gradient(loss, row), rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("count", range(18))     # every remainder after zero, one and two eight-term passes
def test_accumulate_adds_term_after_term(count):
    rng = random.Random(count)
    scalars, vectors = vector(rng, count), [vector(rng, 7) for _ in range(count)]
    expected = vector(rng, 7)
    y = list(expected)
    for s, v in zip(scalars, vectors):
        expected = [a + s * u for a, u in zip(expected, v)]
    assert fast_ops.accumulate(y, scalars, vectors) == expected    # the same bits: same additions, same order
    scalars[count // 2:count // 2 + 2] = [0.0, 0.0][:count - count // 2]
    expected = list(y)
    for s, v in zip(scalars, vectors):
        expected = [a + s * u for a, u in zip(expected, v)]
    assert fast_ops.accumulate_nonzero(y, scalars, vectors) == expected


@pytest.mark.parametrize("zeros", ["none", "in the inputs", "in the output gradients"])
@pytest.mark.parametrize("positions", range(1, 18))
def test_weight_gradient_sums_over_positions(positions, zeros):
    """Summed by rows or by columns, skipping zero factors (ReLU's), every entry gets the same bits."""
    rng = random.Random(positions)
    inputs = [vector(rng, 4) for _ in range(positions)]
    output_grads = [vector(rng, 3) for _ in range(positions)]
    zeroed = {"none": [], "in the inputs": inputs, "in the output gradients": output_grads}[zeros]
    for p, vec in enumerate(zeroed):
        vec[p % len(vec)] = 0.0
        if p % 3 == 0:
            vec[:] = [0.0] * len(vec)
    expected = [[0.0] * 4 for _ in range(3)]
    for x, dy in zip(inputs, output_grads):
        expected = [[g + d * xj for g, xj in zip(row, x)] for row, d in zip(expected, dy)]
    assert fast_ops.weight_gradient(inputs, output_grads) == expected     # same additions, same order


def test_linear_of_all_zero_input_is_zero():
    assert fast_ops.linear([0.0, 0.0], [(1.0, 2.0, 3.0), (4.0, 5.0, 6.0)]) == [0.0, 0.0, 0.0]


def test_rmsnorm_backward():
    rng = random.Random(1)
    x, c = vector(rng, 6), vector(rng, 6)
    _, scale = fast_ops.rmsnorm(x)
    dx = fast_ops.rmsnorm_backward(x, scale, c)
    assert dx == pytest.approx(numeric_gradient(lambda: weighted(fast_ops.rmsnorm(x)[0], c), x), rel=RTOL, abs=ATOL)


def test_relu_backward():
    x, c = [0.5, -0.3, 1.2, -2.0], [0.1, 0.2, 0.3, 0.4]
    dx = fast_ops.relu_backward(fast_ops.relu(x), c)
    assert dx == pytest.approx(numeric_gradient(lambda: weighted(fast_ops.relu(x), c), x), rel=RTOL, abs=ATOL)
    assert dx == [0.1, 0.0, 0.3, 0.0]


def test_softmax_backward():
    rng = random.Random(2)
    logits, c = vector(rng, 5, 2.0), vector(rng, 5)
    dlogits = fast_ops.softmax_backward(fast_ops.softmax(logits), c)
    expected = numeric_gradient(lambda: weighted(fast_ops.softmax(logits), c), logits)
    assert dlogits == pytest.approx(expected, rel=RTOL, abs=ATOL)


def test_cross_entropy_backward():
    rng = random.Random(3)
    logits = vector(rng, 7, 2.0)

    def loss():
        return fast_ops.cross_entropy(fast_ops.softmax(logits), 4) * 0.25

    dlogits = fast_ops.cross_entropy_backward(fast_ops.softmax(logits), 4, 0.25)
    assert dlogits == pytest.approx(numeric_gradient(loss, logits), rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("n_head, head_dim, positions", [(1, 3, 1), (2, 3, 4), (3, 2, 5)])
def test_attention_backward(n_head, head_dim, positions):
    rng = random.Random(n_head * 10 + positions)
    q = [vector(rng, head_dim) for _ in range(n_head)]
    keys = [[vector(rng, head_dim) for _ in range(n_head)] for _ in range(positions)]
    values = [[vector(rng, head_dim) for _ in range(n_head)] for _ in range(positions)]
    c = [vector(rng, head_dim) for _ in range(n_head)]
    scale = head_dim ** -0.5

    def by_columns(vectors):
        """Per head and number within the head, that number at every position (the cache's column layout)."""
        return [[[vectors[s][h][j] for s in range(positions)] for j in range(head_dim)] for h in range(n_head)]

    def loss():
        outputs, _ = fast_ops.attention(q, by_columns(keys), values, scale)
        return sum(weighted(out, ch) for out, ch in zip(outputs, c))

    _, weights = fast_ops.attention(q, by_columns(keys), values, scale)
    dq, dscores = fast_ops.attention_backward(c, keys, by_columns(values), weights, scale)
    queries = [([q[h]], [c[h]], [weights[h]], [dscores[h]]) for h in range(n_head)]
    for h in range(n_head):
        assert dq[h] == pytest.approx(numeric_gradient(loss, q[h]), rel=RTOL, abs=ATOL)
        for s in range(positions):
            dkeys, dvalues = fast_ops.attention_key_value_grads(s, queries)
            assert dkeys[h] == pytest.approx(numeric_gradient(loss, keys[s][h]), rel=RTOL, abs=ATOL)
            assert dvalues[h] == pytest.approx(numeric_gradient(loss, values[s][h]), rel=RTOL, abs=ATOL)
