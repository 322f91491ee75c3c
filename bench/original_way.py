"""The scalar engine run the way the original runs it, for the engines benchmark (and any test that wants it).

The original's backward sorts the graph with a recursive closure (closure -> cell -> closure is a reference cycle
that keeps each step's whole graph alive until the garbage collector finds it), the collector stays on with its
default thresholds, and its module-level `loss` keeps the previous step's graph referenced until the next forward is
built, so the collector's full passes walk two graphs: most of the original's time goes there.
"""

from microgpt.config import Config
from microgpt.model import ScalarModel
from microgpt.train import Run


def original_topological_order(root):
    """The original's topological sort, as written there: a recursive closure. The engine's own loop must visit the
    nodes in the same order (tests/test_engine.py)."""
    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._children:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    return topo


def backward_like_the_original(root):
    """The original's backward: its recursive topological sort, then the chain rule."""
    topo = original_topological_order(root)
    root.grad = 1
    for v in reversed(topo):
        for child, local_grad in zip(v._children, v._local_grads):
            child.grad += local_grad * v.grad


class OriginalScalarModel(ScalarModel):
    """ScalarModel with the original's backward, the collector left on, and the last graph kept alive."""

    graph = None

    def loss_and_grads(self, tokens):
        loss = self._loss_node(tokens)
        self.graph = loss
        backward_like_the_original(loss)
        grads = {name: [[p.grad for p in row] for row in mat] for name, mat in self.state.items()}
        for mat in self.state.values():
            for row in mat:
                for p in row:
                    p.grad = 0
        return loss.data, grads


def original_run(config, docs):
    """A trainer Run (same shuffle, weights, optimizer and step) whose model is the original's way of computing."""
    run = Run(Config.from_dict({**config.to_dict(), "engine": "scalar"}), docs)
    run.model = OriginalScalarModel(run.config, run.tokenizer.vocab_size, run.model.weights)
    return run
