"""Follow one name through the model: every stage of the forward pass at one position, the gradients of one real
training step on that name ("backprop as blame"), and the graph of `Value` objects behind one neuron.

Nothing here computes a stage. The models have a `record` hook (model.py, fast.py): when given, the forward hands
each stage's output to it, the fast engine's backward each stage's gradient (`record.grad`), and on the scalar
engine a stage's gradient is the `grad` of the very Values the hook was handed, after the engine's own backward.

Positions: the model reads the start token and then the name, one token per position. Position p reads token p of
BOS + name and predicts token p + 1: the name's next character, or the end after its last character. So "emma" has
positions 0 (reads <start>, predicts "e") to 4 (reads "a", predicts <end>); the name must fit the context with its
start token (at most block_size - 1 characters).

Step once on a name (`step_on`) is the trainer's own step (`Run.advance`) with the name in place of the document
the schedule had for that step (train[step % len(train)]), which is skipped: the step counter, the learning-rate
schedule and Adam's bias correction move on as for any step, the next step reads the next scheduled document, and
the run's random stream is untouched (training draws nothing). The gradients are those of that step's loss, the mean
over the name's positions, as training computes them.
"""

import functools
import heapq
import inspect
import math

from .config import shown
from .data import DataError
from .engine import Value
from .insight import END_LABEL, START_LABEL, token_labels
from .model import ScalarModel

TOP_CHANGES = 5             # per weight matrix, the largest changes the step made
MAX_GRAPH_NODES = 300       # one fc1 neuron of n_embd inputs has 4 n_embd + 2 nodes: whole up to n_embd 74
NO_GRADIENT = {"tok_emb", "pos_emb", "probs", "p", "loss"}  # rows of weights, and after the logits (see STAGES)


class Stage:
    """A stage of the forward pass: its key in the `record` hook, what it is, the matrix it reads, and where it is
    in model.py: the line starting with `statement` (its `occurrence`-th in `function`), up to the one starting
    with `until` (if given)."""

    def __init__(self, name, label, matrix, function, statement, occurrence=1, until=None):
        self.name, self.label, self.matrix = name, label, matrix
        self.where = (function, statement, occurrence, until)


FORWARD, LOSS = "forward", "_loss_node"
EMBEDDING_STAGES = [
    Stage("tok_emb", "token embedding", "wte", FORWARD, 'tok_emb = sd["wte"][token_id]'),
    Stage("pos_emb", "position embedding", "wpe", FORWARD, 'pos_emb = sd["wpe"][pos_id]'),
    Stage("embed", "token + position", None, FORWARD, "x = [t + p for t, p in zip(tok_emb, pos_emb)]"),
    Stage("embed_norm", "rmsnorm", None, FORWARD, "x = rmsnorm(x)"),
]
LAYER_STAGES = [
    Stage("attn_norm", "rmsnorm", None, FORWARD, "x = rmsnorm(x)", 2),
    Stage("q", "queries", "attn_wq", FORWARD, "q = linear("),
    Stage("k", "keys", "attn_wk", FORWARD, "k = linear("),
    Stage("v", "values", "attn_wv", FORWARD, "v = linear("),
    Stage("scores", "attention scores q·k/√head_dim", None, FORWARD, "attn_logits = [", 1, "attn_weights = "),
    Stage("weights", "attention weights (softmax)", None, FORWARD, "attn_weights = softmax("),
    Stage("heads", "weighted values, heads side by side", None, FORWARD, "head_out = [", 1, "x = linear(x_attn"),
    Stage("attn_out", "output projection", "attn_wo", FORWARD, "x = linear(x_attn"),
    Stage("attn_residual", "+ residual", None, FORWARD, "x = [a + b for a, b in zip(x, x_residual)]"),
    Stage("mlp_norm", "rmsnorm", None, FORWARD, "x = rmsnorm(x)", 3),
    Stage("fc1", "MLP hidden (fc1)", "mlp_fc1", FORWARD, 'x = linear(x, sd[f"layer{li}.mlp_fc1"])'),
    Stage("relu", "ReLU", None, FORWARD, "x = [xi.relu() for xi in x]"),
    Stage("fc2", "MLP output (fc2)", "mlp_fc2", FORWARD, 'x = linear(x, sd[f"layer{li}.mlp_fc2"])'),
    Stage("mlp_residual", "+ residual", None, FORWARD, "x = [a + b for a, b in zip(x, x_residual)]", 2),
]
OUTPUT_STAGES = [
    Stage("logits", "logits (lm_head)", "lm_head", FORWARD, 'return linear(x, sd["lm_head"])'),
    Stage("probs", "softmax: the next character's probabilities", None, LOSS, "probs = softmax("),
    Stage("p", "probability of the right next character", None, LOSS, "losses.append("),
    Stage("loss", "loss at this position: −log p", None, LOSS, "losses.append("),
]


def stage_shape(name, config, vocab_size, positions):
    """The stage's shape: [] a number, [n] a vector, [heads, n] one row per head."""
    heads, width = config.n_head, config.n_embd
    return {"q": [heads, config.head_dim], "k": [heads, config.head_dim], "v": [heads, config.head_dim],
            "heads": [heads, config.head_dim], "scores": [heads, positions], "weights": [heads, positions],
            "fc1": [4 * width], "relu": [4 * width], "logits": [vocab_size], "probs": [vocab_size],
            "p": [], "loss": []}.get(name, [width])


@functools.lru_cache(maxsize=None)
def source_lines(function, statement, occurrence, until):
    """(first, last) line of model.py (1-based) of a stage of ScalarModel's `function` (see Stage), or None."""
    source, start = inspect.getsourcelines(getattr(ScalarModel, function))
    found = [i for i, text in enumerate(source) if text.strip().startswith(statement)]
    if len(found) < occurrence:
        return None
    first = found[occurrence - 1]
    last = next((i - 1 for i in range(first + 1, len(source)) if until and source[i].strip().startswith(until)),
                first)
    return {"first": start + first, "last": start + last}


class Recorder:
    """The `record` hook for one position: what the model hands over there, as flat lists per (layer, stage), the
    heads of a per-head stage one after the other. Floats are copied as they come (the optimizer later updates the
    weight rows in place); scalar Values are kept, so that their `grad` can be read after the backward."""

    def __init__(self, position):
        self.position = position
        self.values, self.grads = {}, {}

    def __call__(self, pos_id, layer=None, head=None, **stages):
        if pos_id == self.position:
            keep(self.values, layer, stages)

    def grad(self, pos_id, layer=None, **stages):
        if pos_id == self.position:
            keep(self.grads, layer, stages)


def keep(store, layer, stages):
    for name, values in stages.items():
        store.setdefault((layer, name), []).extend(flatten(values))


def flatten(values):
    if not isinstance(values, list):
        return [values]
    if values and isinstance(values[0], list):
        return [x for row in values for x in row]
    return list(values)


def shaped(flat, shape):
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    return [flat[i:i + shape[1]] for i in range(0, len(flat), shape[1])]


def check_request(tokenizer, config, name, position):
    """The tokens BOS + name + BOS, or a DataError naming what is wrong with `name` or `position`."""
    if not isinstance(name, str):
        raise DataError(f"name: expected the name as text, got {type(name).__name__}")
    if config.block_size < 2:
        raise DataError("name: block_size 1 holds only the start token, so no name fits; trace a model with "
                        "block_size 2 or more")
    if not name:
        raise DataError(f"name: empty; type a name of 1 to {config.block_size - 1} characters")
    tokenizer.check_text(name, "name")
    if len(name) > config.block_size - 1:
        raise DataError(f"name: {shown(name)} has {len(name)} characters, longer than the context: the model reads the "
                        f"start token and the name in block_size {config.block_size} positions, so at most "
                        f"{config.block_size - 1} characters")
    if isinstance(position, bool) or not isinstance(position, int):
        raise DataError(f"position: {shown(position)} is not a whole number; positions of {name!r} go from 0 to "
                        f"{len(name)}")
    if not 0 <= position <= len(name):
        raise DataError(f"position: {position} is past the end of {name!r}: its positions go from 0 (reads the start "
                        f"token, predicts {name[0]!r}) to {len(name)} (reads {name[-1]!r}, predicts the end)")
    return tokenizer.document_tokens(name)


def check_hook(model):
    """An edited model.py that dropped the hook cannot be traced: say so rather than fail inside it."""
    if "record" not in inspect.signature(model.loss).parameters:
        raise DataError("trace: this model's loss() has no `record` hook (an edited model.py without it); "
                        "keep the `record` lines of model.py to trace it")


def trace(model, tokenizer, name, position):
    """Every stage of the forward pass at `position` of BOS + `name` (see the module docstring), read off the
    model's own forward over the positions up to it: {name, position, tokens, labels, input, target, vocab_labels,
    config, code, stages: [{id, name, layer, label, matrix, shape, lines, values, grad: null}], p, loss}."""
    tokens = check_request(tokenizer, model.config, name, position)
    recorder = record_forward(model, tokens, position)
    return describe(model, tokenizer, name, position, tokens, recorder, with_grads=False)


def record_forward(model, tokens, position):
    check_hook(model)
    recorder = Recorder(position)
    try:
        model.loss(tokens[:position + 2], record=recorder)
    except (ArithmeticError, ValueError):   # log(0): the model gives the right next token probability 0
        raise DataError("trace: the model gives a right next character probability 0 (it has blown up); "
                        "train a new model") from None
    return recorder


def describe(model, tokenizer, name, position, tokens, recorder, with_grads):
    config, vocab_size = model.config, model.vocab_size
    labels = [START_LABEL] + list(name) + [END_LABEL]
    stages = [stage_entry(stage, None, recorder, config, vocab_size, position, with_grads)
              for stage in EMBEDDING_STAGES]
    for layer in range(config.n_layer):
        stages += [stage_entry(stage, layer, recorder, config, vocab_size, position, with_grads)
                   for stage in LAYER_STAGES]
    stages += [stage_entry(stage, None, recorder, config, vocab_size, position, with_grads)
               for stage in OUTPUT_STAGES]
    stages = [stage for stage in stages if stage is not None]
    outputs = {stage["id"]: stage["values"] for stage in stages}
    return {"name": name, "position": position, "tokens": tokens, "labels": labels,
            "input": {"token": tokens[position], "label": labels[position]},
            "target": {"token": tokens[position + 1], "label": labels[position + 1]},
            "vocab_labels": token_labels(tokenizer), "engine": config.engine,
            "config": {"n_layer": config.n_layer, "n_head": config.n_head, "head_dim": config.head_dim,
                       "n_embd": config.n_embd, "block_size": config.block_size, "vocab_size": vocab_size},
            "code": {"module": ScalarModel.__module__, "function": "ScalarModel.forward"},
            "stages": stages, "p": outputs.get("p"), "loss": outputs.get("loss")}


def stage_entry(stage, layer, recorder, config, vocab_size, position, with_grads):
    """One stage as the payload gives it, or None if the model did not record it (an edited model.py)."""
    recorded = recorder.values.get((layer, stage.name))
    if recorded is None:
        return None
    shape = stage_shape(stage.name, config, vocab_size, position + 1)
    grads = None
    if with_grads and stage.name not in NO_GRADIENT:
        scalar = isinstance(recorded[0], Value)
        grads = [v.grad for v in recorded] if scalar else recorder.grads.get((layer, stage.name))
    matrix = stage.matrix if layer is None or stage.matrix is None else f"layer{layer}.{stage.matrix}"
    return {"id": stage.name if layer is None else f"layer{layer + 1}.{stage.name}", "name": stage.name,
            "layer": None if layer is None else layer + 1, "label": stage.label, "matrix": matrix, "shape": shape,
            "lines": source_lines(*stage.where),
            "values": shaped([number(v) for v in recorded], shape),
            "grad": None if grads is None else shaped([float(g) for g in grads], shape)}


def number(value):
    return value.data if isinstance(value, Value) else value


def step_on(run, name, position, graph=None):
    """One real training step of `run` on `name` (see the module docstring), traced at `position`: the trace's
    payload with each stage's `grad` (dL/d(stage output) there, L the step's loss; null for the weight rows and the
    stages after the logits, where the fast engine's backward starts), plus `training_step` and, if asked, `graph`."""
    model = run.model
    tokens = check_request(run.tokenizer, run.config, name, position)
    check_hook(model)
    if run.done:
        raise DataError(f"step: the run has taken all its {run.config.num_steps} steps, so it has none left to take "
                        f"on a name; use a model with steps left (paused, or saved with train --stop-after)")
    wanted = check_graph(graph, run.config)
    extra = {}
    if run.evaluating is not None:     # a chunk ended inside the previous step's held-out evaluation
        extra["evaluated"] = run.finish_evaluation()
    scheduled = run.dataset.train[run.step % len(run.dataset.train)] if run.can_train else None
    before = {matrix: [list(row) for row in rows] for matrix, rows in model.weights.items()}
    state = getattr(model, "state", None)   # the scalar engine's parameter Values, which the step will replace
    recorder, detail = Recorder(position), {}
    event = run.advance(detail, doc=name, record=recorder)  # TrainingDiverged: not taken, the run keeps its model
    payload = describe(model, run.tokenizer, name, position, tokens, recorder, with_grads=True)
    payload["training_step"] = {
        **extra, "event": event, "doc": name, "replaced": scheduled,
        "in_training": bool(run.can_train and name in run.dataset.train), "positions": detail["positions"],
        "updates": [{**update, **matrix_label(update["name"]), "rows": len(before[update["name"]]),
                     "cols": len(before[update["name"]][0]),
                     "largest": largest_changes(before[update["name"]], model.weights[update["name"]])}
                    for update in detail["updates"]]}
    if wanted is not None:
        if state is None:   # the fast engine: the scalar engine's graph of the same weights, name and loss
            scalar = ScalarModel(run.config, model.vocab_size, before)
            recorder = Recorder(position)
            scalar.loss_and_grads(tokens, record=recorder)
            state = scalar.state
        payload["graph"] = neuron_graph(recorder, state, *wanted, with_grads=True, engine=run.config.engine)
    return payload


def trace_graph(model, tokens, position, graph):
    """The Value graph of the neuron `graph` asks for, from a forward without a step (grads null)."""
    wanted = check_graph(graph, model.config)
    state = getattr(model, "state", None)
    if state is None:
        model = ScalarModel(model.config, model.vocab_size, model.weights)
        state = model.state
    return neuron_graph(record_forward(model, tokens, position), state, *wanted, with_grads=False,
                        engine=model.config.engine)


def matrix_label(name):
    """{layer (1-based, null for the embeddings and lm_head), part}, e.g. "layer0.attn_wq" -> {1, "attn_wq"}."""
    layer, dot, part = name.partition(".")
    if not dot:
        return {"layer": None, "part": name}
    return {"layer": int(layer.removeprefix("layer")) + 1, "part": part}


def largest_changes(before, after):
    """The TOP_CHANGES largest changes |after - before| of one matrix, largest first: [{row, col, before, after}]."""
    cells = ((abs(new - old), i, j, old, new) for i, (old_row, new_row) in enumerate(zip(before, after))
             for j, (old, new) in enumerate(zip(old_row, new_row)))
    return [{"row": i, "col": j, "before": old, "after": new}
            for _, i, j, old, new in heapq.nlargest(TOP_CHANGES, cells, key=lambda cell: cell[0])]


def check_graph(graph, config):
    """(layer index, neuron or None) of a `graph` request {layer?: 1.., neuron?}, or None when none is asked."""
    if graph is None:
        return None
    if not isinstance(graph, dict):
        raise DataError(f"graph: expected an object {{layer, neuron}}, got {type(graph).__name__}")
    unknown = sorted(set(graph) - {"layer", "neuron"})
    if unknown:
        raise DataError(f"graph: unknown key {shown(unknown[0])}; allowed are layer and neuron")
    layer, neuron = graph.get("layer", 1), graph.get("neuron")
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= config.n_layer:
        raise DataError(f"graph.layer: {shown(layer)} is not a layer of this model: 1 to {config.n_layer}")
    hidden = 4 * config.n_embd
    if neuron is not None and (isinstance(neuron, bool) or not isinstance(neuron, int) or not 0 <= neuron < hidden):
        raise DataError(f"graph.neuron: {shown(neuron)} is not a neuron of the MLP: 0 to {hidden - 1}")
    return layer - 1, neuron


def neuron_graph(recorder, state, layer, neuron, with_grads, engine):
    """The graph of Values behind relu(fc1[neuron]) of `layer` at the recorder's position, walked from the running
    objects down to the neuron's inputs (the rmsnorm outputs it reads) and its weights; the neuron by default is the
    most active one. Nodes {id, op, kind, label, data, grad, hidden_children?}, edges {from (child), to, local_grad}.
    The engine stores no op name: it is read from each node's local derivatives, which each op of engine.py defines.
    """
    hidden = recorder.values[(layer, "relu")]
    if neuron is None:
        neuron = max(range(len(hidden)), key=lambda j: hidden[j].data)
    root = hidden[neuron]
    labels = {id(root): f"relu(fc1[{neuron}])", id(root._children[0]): f"fc1[{neuron}]"}
    inputs = recorder.values[(layer, "mlp_norm")]
    labels.update((id(x), f"x[{i}]") for i, x in enumerate(inputs))
    weights = state[f"layer{layer}.mlp_fc1"][neuron]
    labels.update((id(w), f"w[{neuron}][{i}]") for i, w in enumerate(weights))
    kinds = {id(root): "neuron", **{id(x): "input" for x in inputs}, **{id(w): "weight" for w in weights}}
    nodes, edges = walk(root, {id(x) for x in inputs})
    return {"layer": layer + 1, "neuron": neuron, "engine": engine,
            "source": "running" if engine == "scalar" else "scalar copy",
            "note": ("the Values of this very forward (and backward)" if engine == "scalar" else
                     "the fast engine builds no graph: this is the scalar engine's, from a forward (and backward) of "
                     "the same weights and name"),
            "truncated": any(hidden_children for _, hidden_children in nodes),
            "nodes": [{"id": i, "op": operation(node),
                       "kind": kinds.get(id(node), "constant" if not node._children else "operation"),
                       "label": labels.get(id(node), "" if node._children else format(node.data, "g")),
                       "data": float(node.data), "grad": float(node.grad) if with_grads else None,
                       **({"hidden_children": hidden_children} if hidden_children else {})}
                      for i, (node, hidden_children) in enumerate(nodes)],
            "edges": edges}


def walk(root, leaves):
    """Breadth first from `root`, not below the nodes in `leaves` (ids), at most MAX_GRAPH_NODES nodes: [(node,
    children left out)] and the edges between the nodes kept."""
    index, order, edges = {id(root): 0}, [root], []
    hidden = [0]
    for position, node in enumerate(order):   # grows while it is walked
        if id(node) in leaves:
            continue
        for child, local_grad in zip(node._children, node._local_grads):
            if id(child) not in index:
                if len(order) >= MAX_GRAPH_NODES:
                    hidden[position] += 1
                    continue
                index[id(child)] = len(order)
                order.append(child)
                hidden.append(0)
            edges.append({"from": index[id(child)], "to": position, "local_grad": float(local_grad)})
    return list(zip(order, hidden)), edges


def operation(node):
    """The op that made a node, from its local derivatives: + has (1, 1), * the other factor's data each, relu 0.0
    or 1.0, exp its own value, log 1/x; None for a leaf."""
    children, local = node._children, node._local_grads
    if not children:
        return None
    if len(children) == 2:
        return "+" if all(type(g) is int and g == 1 for g in local) else "*"
    x = children[0].data
    if type(local[0]) is float and local[0] in (0.0, 1.0) and node.data == max(0, x):
        return "relu"
    if local[0] == node.data == math.exp(x):
        return "exp"
    if x > 0 and node.data == math.log(x):
        return "log"
    if node.data == math.tanh(x):
        return "tanh"
    return "**"
