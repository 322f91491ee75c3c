"""Session: the one adapter between the page's worker and the core. JSON in, JSON out (see docs/PROTOCOL.md).

It holds the current run and answers `handle(type, payload_json)`. Training happens in chunks sized to a time budget so
the worker can return to its event loop between them (pause/stop arrive there). A request that fails leaves the
previous run untouched. User mistakes raise `UserError` with a message meant for the page. Every payload is untrusted:
its size, nesting, JSON, shape and types are checked before use, so nothing sent can raise anything but a UserError.
A run that diverges is a result: the `train` reply says so and the run keeps its last finite model.
"""

import json
import math
import shlex
import time

from . import checkpoint, cost, insight, listing, trace
from .config import (SOURCES, Config, ConfigError, describe, field_problems, parse_sample_seed, request_fields, shown,
                     train_command)
from .data import (BUILTIN_DESCRIPTION, MAX_VOCAB, DataError, Tokenizer, builtin_documents, check_vocabulary,
                   describe_documents, parse_documents, split_sizes, summarize)
from .sample import check_prefix, sample_names, sample_stats, timeline_names
from .shapes import forward_shapes
from .train import Run, TrainingDiverged

# One training chunk, in milliseconds: long enough that messages cost little next to training, short enough that the
# page's worker hears pause and stop (between chunks) within a blink.
CHUNK_BUDGET_MS = 70
PASTED_DATA_FILE = "your-data.txt"  # in the reproducing command, the file the user saves their own data to
MAX_PAYLOAD_CHARS = checkpoint.MAX_BYTES + 1000    # the largest request is `load` with the largest checkpoint
MAX_PAYLOAD_DEPTH = 3                              # {"config": {...}} and {"data": {...}} are 2 deep
MAX_BUDGET_MS = 10_000                             # a chunk longer than this would not let pause be heard
MAX_TIMELINE = 8                                   # names per held-out evaluation in a `train` chunk's timeline


class UserError(ValueError):
    """A mistake the user can fix; its message is shown as is."""


class Session:
    def __init__(self):
        self.run = None
        self.docs = None
        self.edited_source = None       # the learner's model.py, when they applied an edit
        self.edited_model = None        # its ScalarModel class
        self.run_edited = False         # the current run trains with the edited model

    def handle(self, request_type, payload_json="{}"):
        method = getattr(self, f"do_{request_type}", None) if isinstance(request_type, str) else None
        if method is None:
            raise UserError(f"unknown request type {shown(request_type)}")
        payload = parse_payload(request_type, payload_json)
        try:
            result = method(payload)
        except (ConfigError, DataError, checkpoint.CheckpointError, listing.EditError) as error:
            raise UserError(str(error)) from None
        except UserError:
            raise
        except BaseException as error:      # the edited code may leave any way Python can, SystemExit included
            if listing.edited_line(error) is None and not (self.run_edited and isinstance(error, Exception)):
                raise
            raise UserError(f"{self.interrupted(request_type)}: {listing.describe_failure(error)}") from None
        return json.dumps(result, allow_nan=False)

    def interrupted(self, request_type):
        """What the edited code's failure interrupted, in the page's words."""
        if request_type in ("train", "step_once"):
            return f"training stopped at step {self.run.step + 1}"
        return f"{request_type} stopped"

    def do_schema(self, payload):
        """Everything the page's form and link need before Python has loaded (build.py writes it to schema.json)."""
        return {"fields": describe(), "request_fields": request_fields(),
                "builtin": {"name": BUILTIN_DESCRIPTION, "num_docs": len(builtin_documents())}}

    def do_check(self, payload):
        """Per-field problems of a config and of a `sample_seed` (when given) and, when the config has none, its
        parameter count for `vocab_size` (default: the current run's vocabulary, or the built-in data's before the
        first run). Given the data's `vocab` (its characters), the prefix is checked against it as training will."""
        values = payload.get("config", {})
        vocab_size = self.vocab_size(payload)
        vocab = payload.get("vocab")
        if vocab is not None and not isinstance(vocab, str):
            raise UserError(f"vocab: expected the data's characters as text, got {type(vocab).__name__}")
        if vocab is not None:
            check_vocabulary(len(vocab), "vocab")
        errors = field_problems(values)
        if payload.get("sample_seed") not in (None, ""):     # "" means: continue the run's stream, as in `sample`
            try:
                parse_sample_seed(payload["sample_seed"])
            except ConfigError as error:
                errors["sample_seed"] = str(error)
        num_params = estimate = None
        if not set(errors) - {"sample_seed"}:
            config = Config.from_dict(values)
            if vocab is not None:
                try:
                    check_prefix(Tokenizer(vocab), config.prefix, config.block_size)
                except DataError as error:
                    errors["prefix"] = str(error)
            num_params = cost.num_params(config, vocab_size)
            estimate = cost.estimate(config, vocab_size)
            try:
                cost.check_size(config, vocab_size, page=True)
            except ConfigError as error:
                errors["n_embd"] = str(error)
        return {"errors": errors, "num_params": num_params, "cost": estimate}

    def vocab_size(self, payload):
        """A request's `vocab_size` (tokens, BOS included), checked as every vocabulary is (data.check_vocabulary);
        by default the current run's, or the built-in data's before the first run."""
        vocab_size = payload.get("vocab_size")
        if vocab_size is None:
            tokenizer = self.run.tokenizer if self.run else Tokenizer.from_documents(builtin_documents())
            return tokenizer.vocab_size
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 2:
            raise UserError(f"vocab_size: {shown(vocab_size)} is not a whole number from 2 to {MAX_VOCAB + 1} (tokens: "
                            f"the characters and the start/end token)")
        check_vocabulary(vocab_size - 1, f"vocab_size {vocab_size:,}")
        return vocab_size

    def documents(self, data):
        data = data or {"source": "builtin"}
        if not isinstance(data, dict):
            raise UserError(f"data: expected an object {{source, text}}, got {type(data).__name__}")
        if data.get("source") == "builtin":
            return builtin_documents()
        if data.get("source") == "text":
            if not isinstance(data.get("text"), str):
                raise UserError("data.text: expected the dataset as text")
            return parse_documents(data["text"], "your dataset")
        raise UserError(f"source: {shown(data.get('source'))} is not one of {', '.join(SOURCES)}")

    def data_description(self, data, docs):
        """What a checkpoint says it was trained on; the built-in data is described as the CLI describes it."""
        if (data or {}).get("source", "builtin") == "builtin":
            return describe_documents(docs, f"the built-in data, {BUILTIN_DESCRIPTION}")
        return describe_documents(docs, "your own text")

    def do_preview(self, payload):
        """A dataset's summary, with its split under `config` when that is valid, without touching the current run."""
        docs = self.documents(payload.get("data"))
        summary = summarize(docs, Tokenizer.from_documents(docs))
        values = payload.get("config", {})
        if not field_problems(values):
            holdout_fraction = Config.from_dict(values).holdout_fraction
            summary["num_train"], summary["num_holdout"] = split_sizes(len(docs), holdout_fraction)
        return summary

    def do_configure(self, payload):
        """Start a new run on the chosen data with the given settings (the old run stays if this fails). With
        `edited: true` it trains the edited model, which only the scalar engine can run."""
        config = Config.from_dict(payload.get("config", {}))
        edited = bool(payload.get("edited"))
        if edited and self.edited_model is None:
            raise UserError("edited code: there is no edit in use; apply an edit first, or train the original")
        if edited:
            config = config.replace(engine="scalar")
        data = payload.get("data")
        docs = self.documents(data)
        cost.check_size(config, Tokenizer.from_documents(docs).vocab_size, page=True)     # the page's limit too
        run = Run(config, docs, self.data_description(data, docs), self.edited_model if edited else None)
        self.run, self.docs, self.run_edited = run, docs, edited
        return self.summary()

    def summary(self):
        """The current run's summary: its dataset's (with the split it trains on), its config, size and step, whether
        it trains edited code, and the data it was trained on. A model loaded without that data has no dataset
        summary (nulls): it samples, and resumes once `attach` gives it its data."""
        run = self.require_run()
        summary = {"num_docs": None, "vocab": run.tokenizer.chars, "vocab_size": run.tokenizer.vocab_size,
                   "examples": [], "num_train": None, "num_holdout": None}
        if run.can_train:
            summary.update(summarize(run.dataset.docs, run.tokenizer), num_train=len(run.dataset.train),
                           num_holdout=len(run.dataset.holdout))
        return {**summary, "num_params": run.num_params, "config": run.config.to_dict(), "step": run.step,
                "command": self.command(), "edited": self.run_edited, "resumable": run.can_train,
                "data_description": run.data_description}

    def command(self):
        """The `python -m microgpt train` line that reproduces the current run. The built-in documents are one cached
        tuple (data.builtin_documents): any other documents came from the user, who saves them to a file for --data."""
        data_file = None if self.docs is builtin_documents() else PASTED_DATA_FILE
        return train_command(self.run.config, data_file)

    def require_run(self):
        if self.run is None:
            raise UserError("no model yet: configure a run first")
        return self.run

    def do_train(self, payload):
        """Train until the time budget (`budget_ms`, default CHUNK_BUDGET_MS) is spent, the run is done or it diverges;
        report every step. With `timeline` (names per evaluation, 0 to MAX_TIMELINE), each held-out evaluation (and
        the untrained model, when the chunk starts at step 0) also has that many names from the model at its step,
        drawn without touching the run's random stream. A held-out evaluation is checked against the budget between its documents (see
        `Run.steps`), so a chunk lasts the budget plus at most one step or one document, evaluation or not."""
        run = self.require_run()
        budget = payload.get("budget_ms", CHUNK_BUDGET_MS)
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not 0 <= budget <= MAX_BUDGET_MS:
            raise UserError(f"budget_ms: {shown(budget)} is not a number of milliseconds from 0 (one step) to "
                            f"{MAX_BUDGET_MS}")
        count = payload.get("timeline", 0)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_TIMELINE:
            raise UserError(f"timeline: {shown(count)} is not a whole number of names from 0 (none) to {MAX_TIMELINE}")
        budget /= 1000
        start = time.perf_counter()
        steps = run.steps(out_of_time=lambda: time.perf_counter() - start >= budget)
        events, diverged, timeline = [], None, []
        if count and run.step == 0 and run.evaluating is None and run.can_train:
            timeline.append(self.timeline_entry(run, count, None))
        try:
            for record in steps:
                record["elapsed"] = time.perf_counter() - start
                events.append(record)
                if count and "holdout_loss" in record:      # the model is still the one this step made
                    timeline.append(self.timeline_entry(run, count, record["holdout_loss"]))
                if record["elapsed"] >= budget:
                    break
        except TrainingDiverged as error:
            finite = error.loss is not None and math.isfinite(error.loss)
            diverged = {"step": error.step, "loss": error.loss if finite else None,
                        "message": self.diverged_message(error)}
        elapsed = time.perf_counter() - start
        reply = {"events": events, "step": run.step, "num_steps": run.config.num_steps, "done": run.finished,
                 "steps_per_sec": len(events) / elapsed if elapsed > 0 else None, "elapsed": elapsed}
        if count:
            reply["timeline"] = timeline
        if diverged:
            reply["diverged"] = diverged
        return reply

    @staticmethod
    def timeline_entry(run, count, holdout_loss):
        """Names from the model as it is now, at its step (the timeline of a `train` chunk), from their own random
        stream (sample.timeline_rng): the run's stream and its losses are the same with the timeline or without."""
        return {"step": run.step, "holdout_loss": holdout_loss,
                "names": timeline_names(run.model, run.tokenizer, run.config, run.step, count)}

    def diverged_message(self, error):
        """Why training stopped at a step it could not take: a non-number (NaN) from edited code is the edit's doing,
        not the learning rate's (the original model's loss is a number or infinite)."""
        if self.run_edited and error.loss is not None and math.isnan(error.loss):
            return (f"training stopped at step {error.step}: the edited model.py produced a non-number (nan) as the "
                    f"loss; the original code gives a number here, so look at the edit")
        return str(error)

    def do_sample(self, payload):
        """Names from the current model; a given `sample_seed` makes them reproducible, else the run's stream
        continues."""
        run = self.require_run()
        samples = sample_names(run.model, run.tokenizer, run.config, run.rng, payload.get("sample_seed"),
                               payload.get("num_samples"), payload.get("temperature"), payload.get("prefix"))
        # A model loaded without its data samples too; then no name can be told to be from its training split.
        stats = sample_stats(samples, run.dataset.train if run.dataset else [])
        if not run.dataset:
            stats["in_training"] = None
        return {"samples": samples, **stats}

    def do_step_once(self, payload):
        """One training step, the very step the training loop would take next, with what it did: the record a
        `train` chunk reports for it, plus its document, tokens, per-position p(right next token) and loss term, and
        per-matrix gradient and update norms (see train.step_detail). Training continues from there unchanged.
        If a chunk ended in the previous step's held-out evaluation, that is finished first and its record comes
        too, as `evaluated`."""
        run = self.require_run()
        if run.done:
            unfinished = " (Resume finishes its last held-out evaluation)" if run.evaluating else ""
            raise UserError(f"step_once: the run has finished all {run.config.num_steps} steps{unfinished}; "
                            f"train a new model")
        reply = {}
        detail = {}
        try:
            if run.evaluating is not None:
                reply["evaluated"] = run.finish_evaluation()
            record = run.advance(detail)
        except TrainingDiverged as error:       # the step was not taken: the run keeps its last finite model
            raise UserError(self.diverged_message(error)) from None
        return {**reply, "event": record, **detail, "vocab": run.tokenizer.chars, "bos": run.tokenizer.bos,
                "step": run.step, "num_steps": run.config.num_steps, "done": run.done}

    def do_shapes(self, payload):
        """What each line of the forward pass computes, with its shape and its matrices' parameter counts, for a
        `config` (default: the current run's) and `vocab_size` (default: as in `check`)."""
        values = payload.get("config")
        if values is not None:
            config = Config.from_dict(values)
        else:
            config = self.run.config if self.run else Config()
        return forward_shapes(config, self.vocab_size(payload))

    def do_state(self, payload):
        run = self.run
        return {"configured": run is not None, "step": run.step if run else 0,
                "num_steps": run.config.num_steps if run else None, "config": run.config.to_dict() if run else None}

    def do_save(self, payload):
        run = self.require_run()
        return {"checkpoint": checkpoint.to_json(run), "step": run.step}

    def do_load(self, payload):
        """Take over the run in a checkpoint. It can sample at once; it can resume training if `data` (default: the
        current run's data, or the built-in data) is the data it was trained on, else `attach` must give it that."""
        text = payload.get("checkpoint")
        if not isinstance(text, str):
            raise UserError("checkpoint: expected the checkpoint's JSON text")
        name = str(payload.get("name") or "checkpoint")
        if len(text) > cost.PAGE_MAX_CHECKPOINT_CHARS:
            raise UserError(too_big_to_load(name, len(text)))
        try:
            saved = checkpoint.parse(text, name)
            too_big = cost.page_problem(saved["config"], len(saved["vocab"]) + 1)
            if too_big:
                raise UserError(f"{name}: {too_big.removeprefix('page limit: ')}; your model here is kept")
            run = Run.restore(saved)
        except MemoryError:
            raise UserError(too_big_to_load(name, len(text), ran_out=True)) from None
        data = payload.get("data")
        try:
            docs = self.documents(data) if data else self.docs if self.docs is not None else builtin_documents()
            run.attach(docs)
        except DataError:
            docs = None
        self.run, self.docs, self.run_edited = run, docs, False
        return self.summary()

    def do_attach(self, payload):
        """Give a loaded model its training data so it can resume; other data is refused, naming the data needed."""
        run = self.require_run()
        docs = self.documents(payload.get("data"))
        run.attach(docs)
        self.docs = docs
        return self.summary()

    def do_next_token(self, payload):
        """The distribution the sampler draws the character after BOS + `prefix` from, at `temperature` (default:
        the run's) and at 1."""
        run = self.require_run()
        temperature = payload.get("temperature")
        checked = run.config.replace(prefix=payload.get("prefix", ""),
                                     temperature=run.config.temperature if temperature is None else temperature)
        return insight.next_token(run.model, run.tokenizer, checked.prefix, checked.temperature)

    def do_attention(self, payload):
        """Every layer's and head's attention weights over BOS + `text` (cut to the context)."""
        run = self.require_run()
        text = payload.get("text")
        if not isinstance(text, str):
            raise UserError(f"attention: text must be a string (the name to look at), got "
                            f"{'nothing' if text is None else type(text).__name__}")
        return insight.attention(run.model, run.tokenizer, text)

    def do_trace(self, payload):
        """One name followed through the model at one position (see trace.py): every stage's shape and numbers; with
        `grad: true` after one real training step on that name, with each stage's gradient and the updates Adam
        made; with `graph: {layer?, neuron?}` also the Value graph of one MLP neuron."""
        run = self.require_run()
        grad, graph = payload.get("grad", False), payload.get("graph")
        if not isinstance(grad, bool):
            raise UserError(f"grad: {shown(grad)} is not true or false")
        if not grad:
            reply = trace.trace(run.model, run.tokenizer, payload.get("name"), payload.get("position"))
            if graph is not None:
                reply["graph"] = trace.trace_graph(run.model, reply["tokens"], reply["position"], graph)
            return {**reply, "step": run.step}
        try:
            reply = trace.step_on(run, payload.get("name"), payload.get("position"), graph)
        except TrainingDiverged as error:       # the step was not taken: the run keeps its last finite model
            raise UserError(self.diverged_message(error)) from None
        return {**reply, "step": run.step, "num_steps": run.config.num_steps, "done": run.done}

    def do_embeddings(self, payload):
        """The 2-D maps of the token and position embeddings, at the current step."""
        run = self.require_run()
        return {"step": run.step, **insight.embeddings(run.model, run.tokenizer)}
    def do_code(self, payload):
        """The running source the Code panel shows, its landmarks, and the edited model.py if one is in use."""
        return listing.listing(self.edited_source)

    def do_edit(self, payload):
        """Use an edited model.py for the next edited run (`source` empty or absent: back to the original). A
        failing edit changes nothing: the run and any earlier edit stay."""
        source = payload.get("source")
        if not source:
            self.edited_source = self.edited_model = None
            return {"edited": False}
        self.edited_model = listing.load_edited_model(str(source))
        self.edited_source = str(source)
        return {"edited": True}


def too_big_to_load(name, chars, ran_out=False):
    """Why the page cannot take this checkpoint, and what to do instead (the page's model stays)."""
    size = f"{chars / 1e6:.3g} MB"
    why = (f"the page ran out of memory reading this checkpoint of {size}" if ran_out else
           f"a checkpoint of {size} is more than the {cost.PAGE_MAX_CHECKPOINT_CHARS / 1e6:.0f} MB the page can load "
           f"(a model of up to {cost.PAGE_MAX_PARAMS:,} parameters)")
    file = shlex.quote(name) if name.lower().endswith(".json") else "FILE"
    return (f"{name}: {why}; your model here is kept. Sample or resume it with the command line: "
            f"python -m microgpt sample --checkpoint {file}")


def parse_payload(request_type, payload_json):
    """The request's payload as a dict, or a UserError saying what is wrong with it."""
    if payload_json is None or payload_json == "":
        return {}
    where = f"{request_type}: the payload"
    if not isinstance(payload_json, str):
        raise UserError(f"{where} must be JSON text, got {type(payload_json).__name__}")
    if len(payload_json) > MAX_PAYLOAD_CHARS:
        raise UserError(f"{where} has {len(payload_json):,} characters, more than the {MAX_PAYLOAD_CHARS:,} allowed")
    if checkpoint.nesting_exceeds(payload_json, MAX_PAYLOAD_DEPTH):
        raise UserError(f"{where} is nested more than {MAX_PAYLOAD_DEPTH} levels deep")
    try:
        payload = json.loads(payload_json, parse_constant=checkpoint.refuse_constant)
    except ValueError as error:
        raise UserError(f"{where} is not valid JSON ({error})") from None
    if not isinstance(payload, dict):
        raise UserError(f"{where} must be an object, got {type(payload).__name__}")
    return payload
