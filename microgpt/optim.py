"""Adam with the original's bias correction and linear learning-rate decay, on weights stored as rows of floats.

Each update is written exactly as the original writes it (same operations, same order), so that both engines, which
share this optimizer, reproduce the original's numbers bit for bit. The moments live in flat lists, one entry per
parameter in the original's order: one pass over all parameters is much cheaper in Python than a pass per row.
"""

from itertools import chain


def learning_rate_at(config, step):
    """Linear decay from learning_rate at step 0 towards 0 at num_steps."""
    return config.learning_rate * (1 - step / config.num_steps)


def flatten(matrices):
    return list(chain.from_iterable(chain.from_iterable(matrices.values())))


def unflatten(values, like):
    """`values` cut into rows with the shapes of the matrices in `like`."""
    out, start = {}, 0
    for name, mat in like.items():
        rows = []
        for row in mat:
            rows.append(values[start:start + len(row)])
            start += len(row)
        out[name] = rows
    return out


class Adam:
    def __init__(self, config, weights):
        self.beta1, self.beta2, self.eps = config.beta1, config.beta2, config.adam_eps
        self.shapes = {name: [[0.0] * len(row) for row in mat] for name, mat in weights.items()}
        self.m = flatten(self.shapes)
        self.v = list(self.m)

    def update(self, weights, grads, step, lr):
        """One Adam step (0-based `step`) on `weights` in place, given the gradients of this step."""
        beta1, beta2, eps = self.beta1, self.beta2, self.eps
        one_minus_beta1, one_minus_beta2 = 1 - beta1, 1 - beta2
        correction1, correction2 = 1 - beta1 ** (step + 1), 1 - beta2 ** (step + 1)
        g = flatten(grads)
        rows = list(chain.from_iterable(weights.values()))
        self.m = m = [beta1 * m + one_minus_beta1 * g for m, g in zip(self.m, g)]
        self.v = v = [beta2 * v + one_minus_beta2 * g ** 2 for v, g in zip(self.v, g)]
        updated = [p - lr * (m / correction1) / ((v / correction2) ** 0.5 + eps)
                   for p, m, v in zip(chain.from_iterable(rows), m, v)]
        start = 0
        for row in rows:
            end = start + len(row)
            row[:] = updated[start:end]
            start = end

    def state(self):
        return {"m": unflatten(self.m, self.shapes), "v": unflatten(self.v, self.shapes)}

    def load_state(self, state):
        self.m, self.v = flatten(state["m"]), flatten(state["v"])
