"""Training: one run = dataset + model + optimizer + step counter + the run's one random stream.

`Run.steps()` is the training loop. It yields one progress record per step instead of printing, so the CLI, the page's
session and the tests all drive the same loop. Randomness, in the original's order: shuffle the documents, draw the
initial weights, (training draws nothing), then sampling continues the same stream.

Divergence is a result, not a crash: a step whose loss cannot be computed (a probability underflows to 0), is not
finite or explodes, or whose update would leave a weight non-finite or out of bounds, is not taken; `TrainingDiverged`
says at which step and what to change, and the run keeps its last finite model. The checks only read numbers, so a
run that stays finite computes exactly what it computed before them.
"""

import math
import random
import time

from . import cost
from .data import DataError, Dataset, Tokenizer, docs_fingerprint
from .model import ScalarModel, init_weights
from .optim import Adam, learning_rate_at

# Guessing uniformly costs ln(vocab_size) per token; a mean loss a hundred times that means the model is confidently
# wrong everywhere. (A run at learning rate 0.1 that recovers peaks near 30x.)
EXPLODED_LOSS_FACTOR = 100


class TrainingDiverged(Exception):
    """Training stopped at `step` (1-based) because it diverged; `loss` is that step's loss when it was finite."""

    def __init__(self, step, loss, learning_rate):
        self.step, self.loss = step, loss
        finite = loss is not None and math.isfinite(loss)
        what = f"the loss reached {loss:.4g}" if finite else "the loss became infinite"
        super().__init__(f"training diverged at step {step} ({what}): the learning rate is too high for these "
                         f"settings (try ≤ {suggested_learning_rate(learning_rate):g})")


def suggested_learning_rate(learning_rate):
    """A tenth of the rate that diverged, to one significant digit: a tenth is what every diverging default-size run
    we tried needed (0.2 -> 0.02 ... 1 -> 0.1)."""
    return float(f"{learning_rate / 10:.1g}")


def model_class(engine):
    if engine == "fast":
        from .fast import FastModel
        return FastModel
    return ScalarModel


class Run:
    def __init__(self, config, docs, data_description="", scalar_model=None):
        """A fresh run: shuffle `docs` and draw the initial weights from Random(config.seed). `scalar_model`
        replaces the scalar engine's model class (the page's edited model); the fast engine is never replaced."""
        self.config = config
        self.rng = random.Random(config.seed)
        self.dataset = Dataset.build(docs, self.rng, config.holdout_fraction)
        # In their given order: the order decides the shuffle, so other orders would not resume the same run.
        self.docs_sha256 = docs_fingerprint(docs)
        self.data_description = data_description
        self.tokenizer = self.dataset.tokenizer
        cost.check_size(config, self.tokenizer.vocab_size)
        weights = init_weights(config, self.tokenizer.vocab_size, self.rng)
        self.model = self._model_class(scalar_model)(config, self.tokenizer.vocab_size, weights)
        self.optimizer = Adam(config, self.model.weights)
        self.step = 0
        self.evaluating = None      # a step whose held-out evaluation was interrupted (see `steps`)

    def _model_class(self, scalar_model):
        return scalar_model if scalar_model is not None and self.config.engine == "scalar" \
            else model_class(self.config.engine)

    @classmethod
    def restore(cls, checkpoint, docs=None, scalar_model=None):
        """Continue a checkpointed run. Without `docs` it can sample but not train until `attach` gives it the
        documents it was trained on."""
        run = cls.__new__(cls)
        run.config = config = checkpoint["config"]
        run.rng = random.Random()
        run.rng.setstate(checkpoint["rng_state"])
        run.dataset = None
        run.docs_sha256 = checkpoint["docs_sha256"]
        run.data_description = checkpoint.get("data_description", "")
        run.tokenizer = Tokenizer(checkpoint["vocab"])
        run.model = run._model_class(scalar_model)(config, run.tokenizer.vocab_size, checkpoint["weights"])
        run.optimizer = Adam(config, run.model.weights)
        run.optimizer.load_state(checkpoint["adam"])
        run.step = checkpoint["step"]
        run.evaluating = None
        if docs is not None:
            run.attach(docs)
        return run

    def attach(self, docs):
        """Give a restored run its training documents, split as the uninterrupted run split them (the shuffle was
        the run's first draw from Random(seed)). Other documents are refused, naming the ones it needs."""
        dataset = Dataset.build(docs, random.Random(self.config.seed), self.config.holdout_fraction)
        if dataset.tokenizer != self.tokenizer or docs_fingerprint(docs) != self.docs_sha256:
            raise DataError(f"dataset: not the dataset this checkpoint was trained on; resuming needs "
                            f"{self.data_description or 'the data it was trained on'} "
                            f"(sha256 {self.docs_sha256[:12]}…)")
        self.dataset = dataset

    @property
    def can_train(self):
        return self.dataset is not None

    @property
    def num_params(self):
        return cost.num_params(self.config, self.tokenizer.vocab_size)

    @property
    def done(self):
        return self.step >= self.config.num_steps

    def tokens(self, doc):
        return self.tokenizer.document_tokens(doc)

    def train_step(self, detail=None, doc=None, record=None):
        """One optimisation step on the next training document; returns its loss. If `detail` is a dict, the step
        also fills it with what it did (see `step_detail`); the numbers are the same either way. Raises
        TrainingDiverged, having changed nothing, when the step diverges. A `doc` given takes the place of the step's
        training document (the trace's "step once on this name"); `record` is handed to the model (see trace.py)."""
        step = self.step
        if doc is None:
            train = self.dataset.train
            doc = train[step % len(train)]
        tokens = self.tokens(doc)
        breakdown = None if detail is None else []
        weights = self.model.weights
        loss = None
        try:
            if record is not None:
                loss, grads = self.model.loss_and_grads(tokens, breakdown, record)
            elif detail is None:
                loss, grads = self.model.loss_and_grads(tokens)
            else:
                loss, grads = self.model.loss_and_grads(tokens, breakdown)
            if loss <= EXPLODED_LOSS_FACTOR * math.log(self.tokenizer.vocab_size):
                proposal = self.optimizer.propose(weights, grads, step, learning_rate_at(self.config, step))
                healthy = Adam.within_limits(proposal)
            else:
                healthy = False
        except (ArithmeticError, ValueError):   # log(0), exp or a square overflowing: the numbers have left floats
            healthy = False
        if not healthy:
            self.model.set_weights(weights)    # drops whatever a half-done step left in the model (scalar grads)
            raise TrainingDiverged(step + 1, loss, self.config.learning_rate)
        before = None if detail is None else {name: [list(row) for row in mat] for name, mat in weights.items()}
        self.optimizer.commit(weights, proposal)
        self.model.set_weights(weights)
        self.step += 1
        if detail is not None:
            detail.update(step_detail(doc, tokens, breakdown, before, weights, grads))
        return loss

    def evaluate(self, out_of_time=None):
        """Mean loss over the first eval_docs held-out documents; uses no randomness. If `out_of_time()` says so
        after a document, it stops there and returns None, its progress kept in `evaluating`; the next call goes on
        from there, adding the same losses in the same order."""
        docs = self.dataset.holdout[:self.config.eval_docs]
        progress = self.evaluating or Evaluation(None)
        try:
            while progress.done < len(docs):
                progress.total += self.model.loss(self.tokens(docs[progress.done]))
                progress.done += 1
                if out_of_time is not None and progress.done < len(docs) and out_of_time():
                    self.evaluating = progress
                    return None
        except (ArithmeticError, ValueError):   # a held-out token got probability 0: the model has blown up
            self.evaluating = None
            raise TrainingDiverged(self.step, None, self.config.learning_rate) from None
        self.evaluating = None
        return progress.total / len(docs)

    def eval_due(self):
        every = self.config.eval_every
        return (every > 0 and self.dataset is not None and bool(self.dataset.holdout)
                and (self.step % every == 0 or self.done))

    def advance(self, detail=None, **step_options):
        """One step as the training loop takes it: {step, loss, lr[, holdout_loss]} (`detail` and `step_options`, doc
        and record: see `train_step`). A step whose evaluation was interrupted (see `steps`) must be finished first
        (`finish_evaluation`). A run without its dataset (a loaded model) evaluates nothing."""
        assert self.evaluating is None, "a step's evaluation is unfinished"
        record = self._step_record(detail, **step_options)
        if self.eval_due():
            record["holdout_loss"] = self.evaluate()
        return record

    def _step_record(self, detail=None, **step_options):
        lr = learning_rate_at(self.config, self.step)
        return {"step": self.step + 1, "loss": self.train_step(detail, **step_options), "lr": lr}

    def finish_evaluation(self, out_of_time=None):
        """Go on with the interrupted evaluation in `evaluating`: its step's record with the held-out loss, or None
        if `out_of_time()` came first again."""
        record = self.evaluating.record
        holdout = self.evaluate(out_of_time)
        if holdout is None:
            return None
        return {**record, "holdout_loss": holdout}

    @property
    def finished(self):
        """All steps taken and every record complete (the last step's evaluation included)."""
        return self.done and self.evaluating is None

    def steps(self, until=None, out_of_time=None):
        """Train up to step `until` (default: num_steps), yielding {step, loss, lr, elapsed[, holdout_loss]}.
        If `out_of_time()` says so between two held-out documents, the loop ends there: the step is taken, and its
        record, once its evaluation is finished, comes first from the next `steps`. So a caller training in short
        chunks (the page's worker) hears pause and stop within a document, not a whole evaluation, of the budget."""
        if not self.can_train:
            raise DataError(f"dataset: this model was loaded without its training data; to resume, choose "
                            f"{self.data_description or 'the data it was trained on'}")
        until = self.config.num_steps if until is None else min(until, self.config.num_steps)
        start = time.perf_counter()
        while self.evaluating is not None or self.step < until:
            if self.evaluating is None:
                record = self._step_record()
                if self.eval_due():
                    self.evaluating = Evaluation(record)
            if self.evaluating is not None:
                record = self.finish_evaluation(out_of_time)
                if record is None:
                    return
            record["elapsed"] = time.perf_counter() - start
            yield record


class Evaluation:
    """A step's held-out evaluation under way: the step's record, which waits for the mean loss; how many documents
    are done, and the sum of their losses, added in document order however many parts the evaluation takes."""

    def __init__(self, record):
        self.record, self.done, self.total = record, 0, 0.0


def norm(matrix):
    return math.sqrt(sum(x * x for row in matrix for x in row))


def step_detail(doc, tokens, breakdown, before, after, grads):
    """What one step did: its document and tokens; per position the probability the model gave the right next token
    and that position's loss term (their mean is the step's loss); per matrix the norm of its gradient and of the
    change the optimizer made, largest change first."""
    updates = [{"name": name, "params": sum(len(row) for row in mat), "grad_norm": norm(grads[name]),
                "update_norm": math.sqrt(sum((b - a) ** 2 for old, new in zip(mat, after[name])
                                             for a, b in zip(old, new))),
                "weight_norm": norm(after[name])} for name, mat in before.items()]
    return {"doc": doc, "tokens": tokens,
            "positions": [{"pos": pos, "token": tokens[pos], "target": tokens[pos + 1], "p": p, "loss": loss}
                          for pos, (p, loss) in enumerate(breakdown)],
            "updates": sorted(updates, key=lambda update: -update["update_norm"])}
