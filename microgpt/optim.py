"""Adam with the original's bias correction and linear learning-rate decay, on weights stored as rows of floats.

Each update is written exactly as the original writes it (same operations, same order), so that both engines, which
share this optimizer, reproduce the original's numbers bit for bit. The moments live in flat lists, one entry per
parameter in the original's order: one pass over all parameters is much cheaper in Python than a pass per row.
"""

import math
from itertools import chain

# No healthy run comes near these (the default run's weights stay below 2 and its second moments below 1; a run at
# learning rate 0.1 that recovers peaks at 5 and 130). Training stops before crossing them and checkpoints refuse
# numbers beyond them, so a loaded model can neither overflow nor hold a value training could not have produced.
# |m| is bounded by the largest gradient seen, and v >= (1 - beta2) g² with beta2 <= 0.9999 bounds that gradient by
# sqrt(MAX_SECOND_MOMENT / 1e-4) = 1e10.
MAX_WEIGHT = 1e4
MAX_SECOND_MOMENT = 1e16
MAX_FIRST_MOMENT = 1e12


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
        self.commit(weights, self.propose(weights, grads, step, lr))

    def propose(self, weights, grads, step, lr):
        """The step's new moments and weights as flat lists (m, v, updated), changing nothing yet: the trainer
        refuses a step that would leave a non-finite number behind."""
        beta1, beta2, eps = self.beta1, self.beta2, self.eps
        one_minus_beta1, one_minus_beta2 = 1 - beta1, 1 - beta2
        correction1, correction2 = 1 - beta1 ** (step + 1), 1 - beta2 ** (step + 1)
        g = flatten(grads)
        m = [beta1 * m + one_minus_beta1 * g for m, g in zip(self.m, g)]
        v = [beta2 * v + one_minus_beta2 * g ** 2 for v, g in zip(self.v, g)]
        updated = [p - lr * (m / correction1) / ((v / correction2) ** 0.5 + eps)
                   for p, m, v in zip(flatten(weights), m, v)]
        return m, v, updated

    def commit(self, weights, proposal):
        """Adopt a proposed step: the new moments, and the new weights written into `weights`' rows in place."""
        self.m, self.v, updated = proposal
        start = 0
        for row in chain.from_iterable(weights.values()):
            end = start + len(row)
            row[:] = updated[start:end]
            start = end

    @staticmethod
    def within_limits(proposal):
        """Whether a proposed step leaves every weight finite and within MAX_WEIGHT, and v within its bound."""
        _, v, updated = proposal
        return (math.isfinite(sum(updated)) and -MAX_WEIGHT <= min(updated) and max(updated) <= MAX_WEIGHT
                and max(v) <= MAX_SECOND_MOMENT)

    def state(self):
        return {"m": unflatten(self.m, self.shapes), "v": unflatten(self.v, self.shapes)}

    def load_state(self, state):
        self.m, self.v = flatten(state["m"]), flatten(state["v"])
