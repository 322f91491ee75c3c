"""Adam with the original's bias correction and linear learning-rate decay, on weights stored as rows of floats.

Each update is written exactly as the original writes it (same operations, same order), so that both engines, which
share this optimizer, reproduce the original's numbers bit for bit.
"""


def learning_rate_at(config, step):
    """Linear decay from learning_rate at step 0 towards 0 at num_steps."""
    return config.learning_rate * (1 - step / config.num_steps)


class Adam:
    def __init__(self, config, weights):
        self.beta1, self.beta2, self.eps = config.beta1, config.beta2, config.adam_eps
        self.m = {name: [[0.0] * len(row) for row in mat] for name, mat in weights.items()}
        self.v = {name: [[0.0] * len(row) for row in mat] for name, mat in weights.items()}

    def update(self, weights, grads, step, lr):
        """One Adam step (0-based `step`) on `weights` in place, given the gradients of this step."""
        beta1, beta2, eps = self.beta1, self.beta2, self.eps
        one_minus_beta1, one_minus_beta2 = 1 - beta1, 1 - beta2
        correction1, correction2 = 1 - beta1 ** (step + 1), 1 - beta2 ** (step + 1)
        for name, mat in weights.items():
            for row, grow, mrow, vrow in zip(mat, grads[name], self.m[name], self.v[name]):
                mrow[:] = [beta1 * m + one_minus_beta1 * g for m, g in zip(mrow, grow)]
                vrow[:] = [beta2 * v + one_minus_beta2 * g ** 2 for v, g in zip(vrow, grow)]
                row[:] = [p - lr * (m / correction1) / ((v / correction2) ** 0.5 + eps)
                          for p, m, v in zip(row, mrow, vrow)]

    def state(self):
        return {"m": self.m, "v": self.v}

    def load_state(self, state):
        self.m, self.v = state["m"], state["v"]
