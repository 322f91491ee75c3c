"""Shapes beside the code: for a Config and vocabulary size, what each line of the forward pass (model.py's
`ScalarModel.forward`) turns into what, and how many parameters the matrix it reads holds.

The lines are found in the running source by the statement they start with, so the annotations follow the code; a
line that is not there (an edited model.py) is simply not annotated. The page's code panel draws these beside the
lines; `python -m microgpt` needs none of it.
"""

import inspect

from .cost import num_params
from .model import ScalarModel


def _matrix(name, rows, cols):
    return {"name": name, "rows": rows, "cols": cols, "params": rows * cols}


def annotations(config, vocab_size):
    """[(statement the line starts with, what it computes, shape text, [matrices it reads])] of the forward pass."""
    e, heads, head_dim, hidden = config.n_embd, config.n_head, config.head_dim, 4 * config.n_embd
    t = f"t ≤ {config.block_size}"
    per_head = f"{heads} heads × {head_dim}"
    layers = f"{config.n_layer} layer{'s' if config.n_layer > 1 else ''}"
    layer_params = 12 * e * e
    return [
        ('tok_emb = sd["wte"][token_id]', "token embedding", f"the token's row → {e}",
         [_matrix("wte", vocab_size, e)]),
        ('pos_emb = sd["wpe"][pos_id]', "position embedding", f"the position's row → {e}",
         [_matrix("wpe", config.block_size, e)]),
        ("x = [t + p for t, p in zip(tok_emb, pos_emb)]", "embedding", f"{e} + {e} → {e}", []),
        ("for li in range(self.config.n_layer):", "layers",
         f"{layers}, {layer_params:,} parameters each", []),
        ('q = linear(x, sd[f"layer{li}.attn_wq"])', "q", f"{e} → {per_head}", [_matrix("attn_wq", e, e)]),
        ('k = linear(x, sd[f"layer{li}.attn_wk"])', "k", f"{e} → {per_head}", [_matrix("attn_wk", e, e)]),
        ('v = linear(x, sd[f"layer{li}.attn_wv"])', "v", f"{e} → {per_head}", [_matrix("attn_wv", e, e)]),
        ("keys[li].append(k)", "keys", f"t × {e} (one row per position so far, {t})", []),
        ("attn_logits = [", "attention logits", f"1 × t per head ({t})", []),
        ("attn_weights = softmax(attn_logits)", "attention weights", "1 × t per head, summing to 1", []),
        ("head_out = [", "head output", f"t weights · t × {head_dim} values → {head_dim}", []),
        ("x_attn.extend(", "heads joined", f"{per_head} → {e}", []),
        ('x = linear(x_attn, sd[f"layer{li}.attn_wo"])', "attention out", f"{e} → {e}", [_matrix("attn_wo", e, e)]),
        ('x = linear(x, sd[f"layer{li}.mlp_fc1"])', "mlp hidden", f"{e} → {hidden}",
         [_matrix("mlp_fc1", hidden, e)]),
        ('x = linear(x, sd[f"layer{li}.mlp_fc2"])', "mlp out", f"{hidden} → {e}", [_matrix("mlp_fc2", e, hidden)]),
        ('return linear(x, sd["lm_head"])', "logits", f"{e} → {vocab_size} (one per token)",
         [_matrix("lm_head", vocab_size, e)]),
    ]


def forward_shapes(config, vocab_size):
    """The annotations with the line of model.py each belongs to: {module, function, lines: [{line, statement, what,
    shape, matrices: [{name, rows, cols, params}]}], num_params} (`num_params` counts the layer loop's matrices once per
    layer)."""
    source, first = inspect.getsourcelines(ScalarModel.forward)
    found = []
    for statement, what, shape, matrices in annotations(config, vocab_size):
        line = next((first + i for i, text in enumerate(source) if text.strip().startswith(statement)), None)
        if line is not None:
            found.append({"line": line, "statement": statement, "what": what, "shape": shape, "matrices": matrices})
    return {"module": ScalarModel.__module__, "function": "ScalarModel.forward", "lines": found,
            "num_params": num_params(config, vocab_size)}
