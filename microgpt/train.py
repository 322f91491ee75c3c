"""Training: one run = dataset + model + optimizer + step counter + the run's one random stream.

`Run.steps()` is the training loop. It yields one progress record per step instead of printing, so the CLI, the page's
session and the tests all drive the same loop. Randomness, in the original's order: shuffle the documents, draw the
initial weights, (training draws nothing), then sampling continues the same stream.
"""

import random
import time

from .data import DataError, Dataset, docs_fingerprint
from .model import ScalarModel, init_weights
from .optim import Adam, learning_rate_at


def model_class(engine):
    if engine == "fast":
        from .fast import FastModel
        return FastModel
    return ScalarModel


class Run:
    def __init__(self, config, docs):
        """A fresh run: shuffle `docs` and draw the initial weights from Random(config.seed)."""
        self.config = config
        self.rng = random.Random(config.seed)
        self.dataset = Dataset.build(docs, self.rng, config.holdout_fraction)
        self.tokenizer = self.dataset.tokenizer
        config.check_size(self.tokenizer.vocab_size)
        weights = init_weights(config, self.tokenizer.vocab_size, self.rng)
        self.model = model_class(config.engine)(config, self.tokenizer.vocab_size, weights)
        self.optimizer = Adam(config, self.model.weights)
        self.step = 0

    @classmethod
    def restore(cls, checkpoint, docs):
        """Continue a checkpointed run; `docs` must be the dataset it was trained on."""
        run = cls(checkpoint["config"], docs)
        if run.tokenizer.chars != checkpoint["vocab"] or docs_fingerprint(docs) != checkpoint["docs_sha256"]:
            raise DataError("dataset: not the dataset this checkpoint was trained on; resume with the same --data")
        run.model.set_weights(checkpoint["weights"])
        run.optimizer.load_state(checkpoint["adam"])
        run.rng.setstate(checkpoint["rng_state"])
        run.step = checkpoint["step"]
        return run

    @property
    def num_params(self):
        return self.config.num_params(self.tokenizer.vocab_size)

    @property
    def done(self):
        return self.step >= self.config.num_steps

    def tokens(self, doc):
        return self.tokenizer.document_tokens(doc)

    def train_step(self):
        """One optimisation step on the next training document; returns its loss."""
        step = self.step
        train = self.dataset.train
        loss, grads = self.model.loss_and_grads(self.tokens(train[step % len(train)]))
        weights = self.model.weights
        self.optimizer.update(weights, grads, step, learning_rate_at(self.config, step))
        self.model.set_weights(weights)
        self.step += 1
        return loss

    def evaluate(self):
        """Mean loss over the first eval_docs held-out documents; uses no randomness."""
        docs = self.dataset.holdout[:self.config.eval_docs]
        total = 0.0
        for doc in docs:
            total += self.model.loss(self.tokens(doc))
        return total / len(docs)

    def eval_due(self):
        every = self.config.eval_every
        return every > 0 and bool(self.dataset.holdout) and (self.step % every == 0 or self.done)

    def steps(self, until=None):
        """Train up to step `until` (default: num_steps), yielding {step, loss, lr, elapsed[, holdout_loss]}."""
        until = self.config.num_steps if until is None else min(until, self.config.num_steps)
        start = time.perf_counter()
        while self.step < until:
            lr = learning_rate_at(self.config, self.step)
            loss = self.train_step()
            record = {"step": self.step, "loss": loss, "lr": lr, "elapsed": time.perf_counter() - start}
            if self.eval_due():
                record["holdout_loss"] = self.evaluate()
            yield record
