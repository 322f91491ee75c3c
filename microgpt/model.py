"""The GPT on the scalar engine, written as the original writes it: every number a `Value`.

GPT-2 with the original's simplifications: rmsnorm without gain, no biases, ReLU, a per-document KV cache, no final
norm. Parameters are drawn from the run's random stream in the original's order (see `init_weights`), which both
engines share. A model exposes, for the trainer, the sampler and checkpoints:
  weights (name -> rows of floats), set_weights, loss_and_grads(tokens), loss(tokens), new_cache(), logits(...).
`logits(token_id, pos_id, cache, attention_log)` also reports the attention weights when given a list (model insight).
`record` (in forward, loss, loss_and_grads) is the hook of trace.py: when given, each stage of the forward hands it
its output, `record(pos_id, layer, head, stage=values)`; absent (training, sampling) it is never called.
"""

from .engine import Value, no_gc


LAYER_PARTS = ("attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2")


def layer_names(layer):
    """{part: parameter name} of one transformer layer's matrices, e.g. "attn_wq" -> "layer0.attn_wq"."""
    return {part: f"layer{layer}.{part}" for part in LAYER_PARTS}


def parameter_shapes(config, vocab_size):
    """(name, rows, columns) of every matrix, in the order the original creates (and draws) them."""
    e = config.n_embd
    layer_shape = {"attn_wq": (e, e), "attn_wk": (e, e), "attn_wv": (e, e), "attn_wo": (e, e),
                   "mlp_fc1": (4 * e, e), "mlp_fc2": (e, 4 * e)}
    shapes = [("wte", vocab_size, e), ("wpe", config.block_size, e), ("lm_head", vocab_size, e)]
    for i in range(config.n_layer):
        shapes += [(name, *layer_shape[part]) for part, name in layer_names(i).items()]
    return shapes


def init_weights(config, vocab_size, rng):
    """Gaussian initial weights, drawn row by row, matrix by matrix, from the run's one random stream."""
    std = config.init_std
    return {name: [[rng.gauss(0, std) for _ in range(cols)] for _ in range(rows)]
            for name, rows, cols in parameter_shapes(config, vocab_size)}


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]


def softmax(logits):
    max_val = max(val.data for val in logits)
    exps = [(val - max_val).exp() for val in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


class ScalarModel:
    def __init__(self, config, vocab_size, weights):
        self.config = config
        self.vocab_size = vocab_size
        self.set_weights(weights)

    @property
    def weights(self):
        return {name: [[p.data for p in row] for row in mat] for name, mat in self.state.items()}

    def set_weights(self, weights):
        self.state = {name: [[Value(x) for x in row] for row in mat] for name, mat in weights.items()}

    def new_cache(self):
        return [[] for _ in range(self.config.n_layer)], [[] for _ in range(self.config.n_layer)]

    def forward(self, token_id, pos_id, cache, attention_log=None, record=None):
        """Logits (as Values) for the token at position pos_id, appending its keys and values to the cache. If
        `attention_log` is a list, the attention weights are appended to it as floats: one list of heads per layer.
        If `record` is given, every stage's output (its Values) is handed to it (see the module docstring)."""
        keys, values = cache
        sd, n_head, head_dim = self.state, self.config.n_head, self.config.head_dim
        tok_emb = sd["wte"][token_id]  # token embedding
        pos_emb = sd["wpe"][pos_id]  # position embedding
        x = [t + p for t, p in zip(tok_emb, pos_emb)]  # joint token and position embedding
        if record: record(pos_id, tok_emb=tok_emb, pos_emb=pos_emb, embed=x)
        x = rmsnorm(x)  # not redundant: the first residual connection carries this normalised x, not the raw sum
        if record: record(pos_id, embed_norm=x)
        for li in range(self.config.n_layer):
            # 1) Multi-head attention block
            x_residual = x
            x = rmsnorm(x)
            q = linear(x, sd[f"layer{li}.attn_wq"])
            k = linear(x, sd[f"layer{li}.attn_wk"])
            v = linear(x, sd[f"layer{li}.attn_wv"])
            if record: record(pos_id, li, attn_norm=x, q=q, k=k, v=v)
            keys[li].append(k)
            values[li].append(v)
            x_attn = []  # the heads' outputs, side by side
            if attention_log is not None:
                attention_log.append([])
            for h in range(n_head):
                hs = h * head_dim
                q_h = q[hs:hs + head_dim]
                k_h = [ki[hs:hs + head_dim] for ki in keys[li]]
                v_h = [vi[hs:hs + head_dim] for vi in values[li]]
                attn_logits = [sum(q_h[j] * k_h[t][j] for j in range(head_dim)) / head_dim ** 0.5
                               for t in range(len(k_h))]
                attn_weights = softmax(attn_logits)  # how much this position attends to each position so far
                if attention_log is not None:
                    attention_log[-1].append([w.data for w in attn_weights])
                head_out = [sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(head_dim)]
                if record: record(pos_id, li, h, scores=attn_logits, weights=attn_weights)
                x_attn.extend(head_out)
            x = linear(x_attn, sd[f"layer{li}.attn_wo"])
            if record: record(pos_id, li, heads=x_attn, attn_out=x)
            x = [a + b for a, b in zip(x, x_residual)]
            if record: record(pos_id, li, attn_residual=x)
            # 2) MLP block
            x_residual = x
            x = rmsnorm(x)
            if record: record(pos_id, li, mlp_norm=x)
            x = linear(x, sd[f"layer{li}.mlp_fc1"])
            if record: record(pos_id, li, fc1=x)
            x = [xi.relu() for xi in x]
            if record: record(pos_id, li, relu=x)
            x = linear(x, sd[f"layer{li}.mlp_fc2"])
            if record: record(pos_id, li, fc2=x)
            x = [a + b for a, b in zip(x, x_residual)]
            if record: record(pos_id, li, mlp_residual=x)
        return linear(x, sd["lm_head"])  # logits: one score per vocabulary token

    def logits(self, token_id, pos_id, cache, attention_log=None):
        return [v.data for v in self.forward(token_id, pos_id, cache, attention_log)]

    def _loss_node(self, tokens, breakdown=None, record=None):
        """The mean loss as a graph node; if `breakdown` is a list, (p of the right next token, its loss term) of
        every position is appended to it, read from the very nodes the mean is made of. `record`: see forward."""
        n = min(self.config.block_size, len(tokens) - 1)
        cache = self.new_cache()
        losses = []
        for pos_id in range(n):
            logits = self.forward(tokens[pos_id], pos_id, cache, record=record)
            probs = softmax(logits)
            losses.append(-probs[tokens[pos_id + 1]].log())
            if record: record(pos_id, logits=logits, probs=probs, p=probs[tokens[pos_id + 1]], loss=losses[-1])
            if breakdown is not None:
                breakdown.append((probs[tokens[pos_id + 1]].data, losses[-1].data))
        return (1 / n) * sum(losses)

    def loss_and_grads(self, tokens, breakdown=None, record=None):
        """Mean cross-entropy over the document's positions, and its gradient for every parameter (`breakdown`,
        `record`: see `_loss_node`). The gradients are zeroed first, so each parameter's `grad` stays readable until
        the next call (the trace's Value graph reads them)."""
        for mat in self.state.values():
            for row in mat:
                for p in row:
                    p.grad = 0
        with no_gc():
            loss = self._loss_node(tokens, breakdown, record)
            loss.backward()
        grads = {name: [[p.grad for p in row] for row in mat] for name, mat in self.state.items()}
        return loss.data, grads

    def loss(self, tokens, record=None):
        with no_gc():
            return self._loss_node(tokens, record=record).data
