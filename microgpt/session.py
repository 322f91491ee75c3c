"""Session: the one adapter between the page's worker and the core. JSON in, JSON out (see docs/PROTOCOL.md).

It holds the current run and answers `handle(type, payload_json)`. Training happens in chunks sized to a time budget so
the worker can return to its event loop between them (pause/stop arrive there). A request that fails leaves the
previous run untouched. User mistakes raise `UserError` with a message meant for the page.
"""

import json
import math
import time

from . import checkpoint
from .config import Config, ConfigError, describe, field_problems
from .data import DataError, Tokenizer, builtin_text, parse_documents, split_sizes
from .sample import sample_names
from .train import Run

BUILTIN_DESCRIPTION = "US census first names (PyPI package names 0.3.0)"
NUM_EXAMPLES = 8


class UserError(ValueError):
    """A mistake the user can fix; its message is shown as is."""


class Session:
    def __init__(self):
        self.run = None
        self.docs = None
        self._builtin_docs = None

    def handle(self, request_type, payload_json="{}"):
        method = getattr(self, f"do_{request_type}", None)
        if method is None:
            raise UserError(f"unknown request type {request_type!r}")
        payload = json.loads(payload_json or "{}")
        try:
            result = method(payload)
        except (ConfigError, DataError, checkpoint.CheckpointError) as error:
            raise UserError(str(error)) from None
        return json.dumps(result, allow_nan=False)

    def builtin_docs(self):
        if self._builtin_docs is None:
            self._builtin_docs = parse_documents(builtin_text(), "built-in dataset")
        return self._builtin_docs

    def do_schema(self, payload):
        return {"fields": describe(), "builtin": {"name": BUILTIN_DESCRIPTION, "num_docs": len(self.builtin_docs())}}

    def do_check(self, payload):
        """Per-field problems of a config and, when there are none, its parameter count for `vocab_size` (default:
        the current run's vocabulary, or the built-in data's before the first run)."""
        values = payload.get("config", {})
        errors = field_problems(values)
        num_params = None
        if not errors:
            config = Config.from_dict(values)
            vocab_size = payload.get("vocab_size") or self.default_vocab_size()
            num_params = config.num_params(vocab_size)
            try:
                config.check_size(vocab_size)
            except ConfigError as error:
                errors["n_embd"] = str(error)
        return {"errors": errors, "num_params": num_params}

    def default_vocab_size(self):
        if self.run:
            return self.run.tokenizer.vocab_size
        return Tokenizer.from_documents(self.builtin_docs()).vocab_size

    def documents(self, data):
        data = data or {"source": "builtin"}
        if data.get("source") == "builtin":
            return self.builtin_docs()
        if data.get("source") == "text":
            return parse_documents(str(data.get("text", "")), "your dataset")
        raise UserError(f"data source {data.get('source')!r} is not one of builtin, text")

    def do_inspect(self, payload):
        """Describe a dataset, and its split under `config` when that is valid, without touching the current run."""
        docs = self.documents(payload.get("data"))
        tokenizer = Tokenizer.from_documents(docs)
        values = payload.get("config", {})
        info = {"num_docs": len(docs), "vocab": tokenizer.chars, "vocab_size": tokenizer.vocab_size,
                "examples": docs[:NUM_EXAMPLES]}
        if not field_problems(values):
            info["num_train"], info["num_holdout"] = split_sizes(len(docs), Config.from_dict(values).holdout_fraction)
        return info

    def do_configure(self, payload):
        """Start a new run on the chosen data with the given settings (the old run stays if this fails)."""
        config = Config.from_dict(payload.get("config", {}))
        docs = self.documents(payload.get("data"))
        run = Run(config, docs)
        self.run, self.docs = run, docs
        return self.summary()

    def summary(self):
        run = self.require_run()
        return {"num_docs": len(run.dataset.docs), "num_train": len(run.dataset.train),
                "num_holdout": len(run.dataset.holdout), "vocab": run.tokenizer.chars,
                "vocab_size": run.tokenizer.vocab_size, "num_params": run.num_params,
                "examples": run.dataset.docs[:NUM_EXAMPLES], "config": run.config.to_dict(), "step": run.step}

    def require_run(self):
        if self.run is None:
            raise UserError("no model yet: configure a run first")
        return self.run

    def do_train(self, payload):
        """Train until the time budget is spent or the run is done; report every step."""
        run = self.require_run()
        budget = float(payload.get("budget_ms", 80)) / 1000
        start = time.perf_counter()
        events = []
        for record in run.steps():
            if not math.isfinite(record["loss"]):
                raise UserError(f"training diverged at step {record['step']} (loss is {record['loss']}); "
                                f"lower learning_rate and reset")
            record["elapsed"] = time.perf_counter() - start
            events.append(record)
            if record["elapsed"] >= budget:
                break
        elapsed = time.perf_counter() - start
        return {"events": events, "step": run.step, "num_steps": run.config.num_steps, "done": run.done,
                "steps_per_sec": len(events) / elapsed if elapsed > 0 else None}

    def do_sample(self, payload):
        """Names from the current model; a given seed makes them reproducible, else the run's stream continues."""
        run = self.require_run()
        return {"samples": sample_names(run.model, run.tokenizer, run.config, run.rng, payload.get("seed"),
                                        payload.get("num_samples"), payload.get("temperature"), payload.get("prefix"))}

    def do_state(self, payload):
        run = self.run
        return {"configured": run is not None, "step": run.step if run else 0,
                "num_steps": run.config.num_steps if run else None, "config": run.config.to_dict() if run else None}

    def do_save(self, payload):
        return {"checkpoint": checkpoint.to_json(self.require_run())}

    def do_load(self, payload):
        """Continue from a checkpoint, on the current dataset (which must be the one it was trained on)."""
        saved = checkpoint.parse(str(payload.get("checkpoint", "")))
        docs = self.docs if self.docs is not None else self.builtin_docs()
        self.run = Run.restore(saved, docs)
        self.docs = docs
        return self.summary()
