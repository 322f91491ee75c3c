"""The scalar engine: every op's local derivative against finite differences, and backward's graph order."""

import gc
import math

import pytest

from bench.original_way import original_topological_order   # the original's code as written
from microgpt.engine import Value, no_gc, topological_order

H = 1e-6

UNARY = {
    "neg": lambda a: -a,
    "pow3": lambda a: a ** 3,
    "pow-0.5": lambda a: a ** -0.5,
    "log": lambda a: a.log(),
    "exp": lambda a: a.exp(),
    "relu": lambda a: a.relu(),
    "tanh": lambda a: a.tanh(),
    "radd": lambda a: 2.5 + a,
    "rsub": lambda a: 2.5 - a,
    "rmul": lambda a: 2.5 * a,
    "rdiv": lambda a: 2.5 / a,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


def numeric_derivative(f, x):
    return (f(Value(x + H)).data - f(Value(x - H)).data) / (2 * H)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("x", [0.7, 1.9, -0.4])
def test_unary_op_gradient(name, x):
    op = UNARY[name]
    if x <= 0 and name in ("log", "pow-0.5"):
        pytest.skip("outside the op's domain")
    a = Value(x)
    out = op(a)
    out.backward()
    assert a.grad == pytest.approx(numeric_derivative(op, x), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_gradient(name):
    op = BINARY[name]
    a, b = Value(1.3), Value(-0.6)
    op(a, b).backward()
    assert a.grad == pytest.approx(numeric_derivative(lambda v: op(v, Value(-0.6)), 1.3), rel=1e-6)
    assert b.grad == pytest.approx(numeric_derivative(lambda v: op(Value(1.3), v), -0.6), rel=1e-6)


def test_gradient_accumulates_over_reuse():
    a = Value(3.0)
    (a * a + a).backward()
    assert a.grad == 7.0


def test_relu_forward_and_gradient_at_negative():
    a = Value(-2.0)
    out = a.relu()
    out.backward()
    assert out.data == 0 and a.grad == 0.0


def test_topological_order_matches_recursive_walk():
    xs = [Value(0.1 * i) for i in range(1, 6)]
    shared = xs[0] * xs[1]
    out = sum((shared * x).exp() for x in xs) / (shared + xs[4]).log() + xs[2] ** 2
    assert topological_order(out) == original_topological_order(out)


def test_backward_handles_graphs_deeper_than_the_recursion_limit():
    x = Value(1.0)
    out = x
    for _ in range(5000):
        out = out + x
    out.backward()
    assert x.grad == 5001


def test_no_gc_pauses_and_restores_the_collector():
    assert gc.isenabled()
    with no_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with no_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_log_of_exp_is_identity_gradient():
    a = Value(0.3)
    a.exp().log().backward()
    assert math.isclose(a.grad, 1.0, rel_tol=1e-12)
