"""The GPT on the fast engine: the scalar model's parameters and maths, one op per vector, not one node per number.

`FastModel` has `ScalarModel`'s interface (see model.py) and computes the same numbers: its forward is bit for bit the
scalar engine's, its gradients agree to rounding (tests/test_fast_engine.py). There is no graph: the forward of a
training document records, per position and layer, the activations its backward needs (a "tape": one PositionTape
per position, holding one LayerTape per layer), and the backward walks positions and layers in reverse calling each
op's hand-written local backward (fast_ops.py). Inference (`logits`, `loss`) records nothing beyond the KV cache.

`record` (in forward, loss, loss_and_grads) is the hook of trace.py, as in model.py: each stage's output, and in
loss_and_grads each stage's gradient (`record.grad`), is handed to it; absent, it is never called.

Linear layers read their weights by columns (see `fast_ops.linear`): the transposes are rebuilt lazily after
`set_weights`, which the trainer calls after each optimizer step (the optimizer updates `weights` in place).
"""

from functools import reduce
from itertools import chain
from operator import add
from typing import NamedTuple

from .fast_ops import (add_vectors, attention, attention_backward, attention_key_value_grads, cross_entropy,
                       cross_entropy_backward, linear, linear_backward, relu, relu_backward, rmsnorm, rmsnorm_backward,
                       softmax, weight_gradient)
from .model import layer_names

EMBEDDINGS = ("wte", "wpe")


class LayerTape(NamedTuple):
    """What one layer's backward needs from its forward, at one position."""
    x_in: list              # the layer's input
    x_norm: list            # rmsnorm(x_in): the input of the queries, keys and values
    scale1: float           # its rmsnorm scale
    q: list                 # the queries, split into heads
    attn_weights: list      # per head, the softmax over the positions so far
    x_attn: list            # the heads' outputs, side by side
    x_mid: list             # after attention and its residual connection: the MLP block's input
    x_norm2: list           # rmsnorm(x_mid)
    scale2: float           # its rmsnorm scale
    hidden: list            # relu(mlp_fc1 . x_norm2)


class PositionTape(NamedTuple):
    """What the backward needs from the forward of one position."""
    x_embed: list           # the joint token and position embedding
    embed_scale: float      # its rmsnorm scale
    layers: list            # one LayerTape per layer
    x: list                 # the last layer's output: lm_head's input


class KVCache:
    """Per layer, the keys and values of every position so far, each split into heads; and the same numbers by
    columns (per layer, head and number within the head: that number at every position), which attention reads."""

    def __init__(self, n_layer, n_head, head_dim):
        self.keys = [[] for _ in range(n_layer)]
        self.values = [[] for _ in range(n_layer)]
        self.key_columns = [[[[] for _ in range(head_dim)] for _ in range(n_head)] for _ in range(n_layer)]
        self.value_columns = [[[[] for _ in range(head_dim)] for _ in range(n_head)] for _ in range(n_layer)]

    def append(self, layer, key_heads, value_heads):
        self.keys[layer].append(key_heads)
        self.values[layer].append(value_heads)
        for columns, heads in ((self.key_columns[layer], key_heads), (self.value_columns[layer], value_heads)):
            for head_columns, head in zip(columns, heads):
                for column, number in zip(head_columns, head):
                    column.append(number)


class FastModel:
    def __init__(self, config, vocab_size, weights):
        self.config = config
        self.vocab_size = vocab_size
        self.layer_names = [layer_names(i) for i in range(config.n_layer)]
        self.attention_scale = (config.head_dim ** 0.5) ** -1
        self.weights = None
        self.set_weights(weights)

    def set_weights(self, weights):
        """Adopt new weights: a copy if they come from elsewhere, nothing to copy if they are our own (updated in
        place by the optimizer); either way the column views are stale."""
        if weights is not self.weights:
            self.weights = {name: [list(row) for row in mat] for name, mat in weights.items()}
        self._columns = None

    def columns(self):
        """Every linear layer's weights by columns (the transpose), built once per set of weights."""
        if self._columns is None:
            self._columns = {name: list(zip(*mat)) for name, mat in self.weights.items() if name not in EMBEDDINGS}
        return self._columns

    def new_cache(self):
        return KVCache(self.config.n_layer, self.config.n_head, self.config.head_dim)

    def split_heads(self, x):
        head_dim = self.config.head_dim
        return [x[start:start + head_dim] for start in range(0, len(x), head_dim)]

    def forward(self, token_id, pos_id, cache, tape=None, attention_log=None, record=None):
        """Logits for the token at pos_id, appending its keys and values to the cache. If `tape` is a list, the
        activations the backward needs are appended to it, as a PositionTape. If `attention_log` is a list, the
        attention weights are appended to it: one list of heads per layer. `record`: see the module docstring."""
        w, cols = self.weights, self.columns()
        x_embed = add_vectors(w["wte"][token_id], w["wpe"][pos_id])  # joint token and position embedding
        x, embed_scale = rmsnorm(x_embed)
        if record: record(pos_id, tok_emb=w["wte"][token_id], pos_emb=w["wpe"][pos_id], embed=x_embed, embed_norm=x)
        layers = []
        for li, names in enumerate(self.layer_names):
            # 1) Multi-head attention block
            x_in = x
            x_norm, scale1 = rmsnorm(x_in)
            q = self.split_heads(linear(x_norm, cols[names["attn_wq"]]))
            cache.append(li, self.split_heads(linear(x_norm, cols[names["attn_wk"]])),
                         self.split_heads(linear(x_norm, cols[names["attn_wv"]])))
            scores = [] if record else None
            heads, attn_weights = attention(q, cache.key_columns[li], cache.values[li], self.attention_scale, scores)
            if attention_log is not None:
                attention_log.append(attn_weights)
            x_attn = list(chain.from_iterable(heads))
            attn_out = linear(x_attn, cols[names["attn_wo"]])
            x_mid = add_vectors(attn_out, x_in)
            # 2) MLP block
            x_norm2, scale2 = rmsnorm(x_mid)
            fc1 = linear(x_norm2, cols[names["mlp_fc1"]])
            hidden = relu(fc1)
            fc2 = linear(hidden, cols[names["mlp_fc2"]])
            x = add_vectors(fc2, x_mid)
            if record:
                record(pos_id, li, attn_norm=x_norm, q=q, k=cache.keys[li][-1], v=cache.values[li][-1], scores=scores,
                       weights=attn_weights, heads=x_attn, attn_out=attn_out, attn_residual=x_mid, mlp_norm=x_norm2,
                       fc1=fc1, relu=hidden, fc2=fc2, mlp_residual=x)
            if tape is not None:
                layers.append(LayerTape(x_in, x_norm, scale1, q, attn_weights, x_attn, x_mid, x_norm2, scale2, hidden))
        if tape is not None:
            tape.append(PositionTape(x_embed, embed_scale, layers, x))
        return linear(x, cols["lm_head"])

    def logits(self, token_id, pos_id, cache, attention_log=None):
        return self.forward(token_id, pos_id, cache, attention_log=attention_log)

    def _forward_document(self, tokens, tape=None, breakdown=None, record=None):
        """Per position, the softmax of the logits and the loss; then the mean loss, as the scalar engine sums it.
        If `breakdown` is a list, (p of the right next token, its loss term) of every position is appended to it.
        `record`: see the module docstring."""
        n = min(self.config.block_size, len(tokens) - 1)
        cache = self.new_cache()
        probs, losses = [], []
        for pos_id in range(n):
            logits = self.forward(tokens[pos_id], pos_id, cache, tape, record=record)
            probs.append(softmax(logits))
            losses.append(cross_entropy(probs[-1], tokens[pos_id + 1]))
            if record:
                record(pos_id, logits=logits, probs=probs[-1], p=probs[-1][tokens[pos_id + 1]], loss=losses[-1])
            if breakdown is not None:
                breakdown.append((probs[-1][tokens[pos_id + 1]], losses[-1]))
        return reduce(add, losses) * (1 / n), probs, cache

    def loss(self, tokens, record=None):
        return self._forward_document(tokens, record=record)[0]

    def loss_and_grads(self, tokens, breakdown=None, record=None):
        """Mean cross-entropy over the document's positions, and its gradient for every parameter (`breakdown`: see
        `_forward_document`; `record`: see the module docstring)."""
        tape = []
        loss, probs, cache = self._forward_document(tokens, tape, breakdown, record)
        n = len(probs)
        w = self.weights
        # What each linear layer saw and got back, per position (last first): its weight gradient is one sum at the end.
        seen = {name: ([], []) for name in w if name not in EMBEDDINGS}
        grads = {name: [[0.0] * len(w[name][0]) for _ in w[name]] for name in EMBEDDINGS}
        # Per layer and head, what each query (last first) leaves for the keys and values it attended to.
        queries = [[([], [], [], []) for _ in range(self.config.n_head)] for _ in self.layer_names]
        for pos_id in reversed(range(n)):
            position = tape[pos_id]
            dlogits = cross_entropy_backward(probs[pos_id], tokens[pos_id + 1], 1 / n)
            dx = self._linear_backward("lm_head", position.x, dlogits, seen)
            if record: record.grad(pos_id, logits=dlogits)
            for li in reversed(range(len(position.layers))):
                dx = self._layer_backward(li, pos_id, position.layers[li], dx, cache, queries[li], seen, record)
            dx_embed = rmsnorm_backward(position.x_embed, position.embed_scale, dx)
            if record: record.grad(pos_id, embed_norm=dx, embed=dx_embed)
            token_id = tokens[pos_id]
            grads["wte"][token_id] = add_vectors(grads["wte"][token_id], dx_embed)
            grads["wpe"][pos_id] = add_vectors(grads["wpe"][pos_id], dx_embed)
        for name, (inputs, output_grads) in seen.items():
            grads[name] = weight_gradient(inputs, output_grads)
        return loss, {name: grads[name] for name in w}

    def _linear_backward(self, name, x, dy, seen):
        inputs, output_grads = seen[name]
        inputs.append(x)
        output_grads.append(dy)
        return linear_backward(dy, self.weights[name])

    def _layer_backward(self, li, pos_id, tape, dx_out, cache, queries, seen, record=None):
        """One layer at one position, in reverse (2) MLP block, then 1) attention block), from its LayerTape:
        dL/d(layer output) in, dL/d(layer input) out. Positions are taken last to first, so every query that attended
        to this position's key and value is in `queries` by now."""
        names = self.layer_names[li]
        dhidden = self._linear_backward(names["mlp_fc2"], tape.hidden, dx_out, seen)
        dfc1 = relu_backward(tape.hidden, dhidden)
        dx_norm2 = self._linear_backward(names["mlp_fc1"], tape.x_norm2, dfc1, seen)
        dx_mid = add_vectors(dx_out, rmsnorm_backward(tape.x_mid, tape.scale2, dx_norm2))
        dx_attn = self._linear_backward(names["attn_wo"], tape.x_attn, dx_mid, seen)
        dout = self.split_heads(dx_attn)
        attention_grads = {} if record else None
        dq, dscores = attention_backward(dout, cache.keys[li][:pos_id + 1], cache.value_columns[li],
                                         tape.attn_weights, self.attention_scale, attention_grads)
        for lists, query in zip(queries, zip(tape.q, dout, tape.attn_weights, dscores)):
            for seen_list, item in zip(lists, query):
                seen_list.append(item)
        dkeys, dvalues = attention_key_value_grads(pos_id, queries)
        dx_norm = self._linear_backward(names["attn_wq"], tape.x_norm, list(chain.from_iterable(dq)), seen)
        for part, grads in (("attn_wk", dkeys), ("attn_wv", dvalues)):
            dx_norm = add_vectors(dx_norm, self._linear_backward(names[part], tape.x_norm,
                                                                 list(chain.from_iterable(grads)), seen))
        if record:
            record.grad(pos_id, li, mlp_residual=dx_out, fc2=dx_out, relu=dhidden, fc1=dfc1, mlp_norm=dx_norm2,
                        attn_residual=dx_mid, attn_out=dx_mid, heads=dx_attn, **attention_grads, q=dq, k=dkeys,
                        v=dvalues, attn_norm=dx_norm)
        return add_vectors(dx_mid, rmsnorm_backward(tape.x_in, tape.scale1, dx_norm))
