"""Scalar autograd: the original's `Value`, one node per number, each op a forward value plus its local derivatives.

This engine is for reading and for proof: it computes, operation for operation, what the original computes, so its
losses match the original bit for bit. Two things differ, neither changing any number:
- `backward` orders the graph with an explicit stack instead of a recursive closure. Same order, but no recursion limit,
  and no reference cycle (closure -> cell -> closure) that kept every step's whole graph alive until the garbage
  collector came round.
- `no_gc()` pauses the cyclic garbage collector around a step: the graph is freed by reference counting the moment the
  loss is dropped, so the collector's repeated walks over ~56,000 live nodes were pure waste (about 3/4 of a step).
"""

import contextlib
import gc
import math


class Value:
    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, exponent):
        return Value(self.data ** exponent, (self,), (exponent * self.data ** (exponent - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return Value(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def tanh(self):
        """Not used by the model: there for the learner who edits ReLU into tanh in the page (as micrograd has it)."""
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def backward(self):
        """Chain rule over the graph in reverse topological order (the depth-first post-order the original builds)."""
        self.grad = 1
        for node in reversed(topological_order(self)):
            for child, local_grad in zip(node._children, node._local_grads):
                child.grad += local_grad * node.grad


def topological_order(root):
    """Depth-first post-order of the graph under `root`, children in order. The original builds it recursively:

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

    This loop visits the nodes in the same order, keeping on an explicit stack what the recursion keeps in its frames:
    each node under way, with an iterator over its remaining children (why not recurse: see the module docstring).
    """
    order, visited = [], {root}
    stack = [(root, iter(root._children))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in visited:
                visited.add(child)
                stack.append((child, iter(child._children)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector (restoring its previous state after): our graphs hold no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
