"""The code beside the run: the source the page's Code panel shows, and the learner's edited model.

The listing is read from the modules that are running (`inspect.getsource`), never from a copy, with the landmarks a
reader looks for (embedding, attention, MLP, loss, backward, Adam) located as line ranges and given one sentence each.

An edited `model.py` is compiled from the learner's text into a module that lives in this process only; the scalar
engine can train with its `ScalarModel`. Autograd derives the gradients of whatever the forward computes, so only the
forward needs editing. The fast engine's backward is written by hand, so it is not editable. A syntax error, text
Python cannot read (a NUL, a lone surrogate), any way out of Python (an exception, `exit()`, `raise SystemExit`) while
the module runs or a tiny trial document goes through the edited model, and results of the wrong kind are reported in
one line naming the edited line, and nothing in use changes.
"""

import importlib
import inspect
import math
import random
import re
import traceback
import types
from dataclasses import dataclass

from .config import Config, shown
from .model import init_weights
from .watch import WATCH

EDITABLE = "microgpt.model"
EDITED_FILENAME = "<edited model.py>"
# What Python source cannot hold: NUL, and a UTF-16 surrogate without its pair (not a character, so not UTF-8 text).
UNREADABLE = re.compile("[\x00\ud800-\udfff]")

# (module, what it is to a reader), in the order the panel shows them.
FILES = [
    ("microgpt.model", "The GPT on the scalar engine: every number a Value, as in the original. Editable."),
    ("microgpt.engine", "Scalar autograd: each operation stores its local derivatives; backward applies the chain rule."),
    ("microgpt.optim", "Adam, shared by both engines."),
    ("microgpt.fast", "The fast engine: the same maths on lists of floats, with a hand-written backward. Not editable."),
    ("microgpt.fast_ops", "The fast engine's operations, each a forward and its hand-written backward."),
]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    module: str
    function: str             # qualified name inside the module
    marker: str | None        # how the line starts where the section starts inside the function, if not all of it
    until: str | None         # how the line starts where it ends (exclusive), if not at the function's end
    purpose: str


SECTIONS = [
    Section("embedding", "Embedding", "microgpt.model", "ScalarModel.forward", "tok_emb =", "for li in",
            "Each character starts as its own learned vector plus a learned vector for its position."),
    Section("attention", "Attention", "microgpt.model", "ScalarModel.forward", "# 1) Multi-head attention",
            "# 2) MLP",
            "Each head scores every earlier position by query·key, softmaxes the scores and mixes those values."),
    Section("mlp", "MLP", "microgpt.model", "ScalarModel.forward", "# 2) MLP", 'return linear(x, sd["lm_head"])',
            "Each position alone goes through a wider layer with ReLU and back: where most parameters sit."),
    Section("loss", "Loss", "microgpt.model", "ScalarModel._loss_node", None, None,
            "Cross-entropy: minus the log-probability of each true next character, averaged over the name."),
    Section("backward", "Backward", "microgpt.engine", "Value.backward", None, None,
            "The chain rule, from the loss back to every weight: each node hands its gradient on, times its local "
            "derivative."),
    Section("adam", "Adam", "microgpt.optim", "Adam.update", None, None,
            "Each weight steps against its gradient, scaled by running averages of the gradient and its square."),
    Section("fast-forward", "Fast forward", "microgpt.fast", "FastModel.forward", None, None,
            "The same forward on lists of floats, recording on a tape what the backward will need."),
    Section("fast-backward", "Fast backward", "microgpt.fast", "FastModel.loss_and_grads", None, None,
            "Gradients by hand: positions and layers in reverse, each operation's own backward."),
]


class EditError(ValueError):
    """The edited code cannot be used; the message names the line."""


def _function(module, qualname):
    target = module
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _section_lines(section):
    """(first, last) line of a section in its module's file, 1-based and inclusive."""
    lines, start = inspect.getsourcelines(_function(importlib.import_module(section.module), section.function))
    first, last = start, start + len(lines) - 1
    for offset, line in enumerate(lines):
        text = line.strip()
        if section.marker and text.startswith(section.marker):
            first = start + offset
        if section.until and text.startswith(section.until):
            last = start + offset - 1
    return first, last


def listing(edited_source=None):
    """Every file the panel shows, as the running package has it, its landmarks, and the edited model if any."""
    files = []
    for name, role in FILES:
        module = importlib.import_module(name)
        files.append({"module": name, "name": name.split(".")[-1] + ".py", "role": role,
                      "editable": name == EDITABLE, "text": inspect.getsource(module)})
    sections = []
    for section in SECTIONS:
        first, last = _section_lines(section)
        sections.append({"key": section.key, "title": section.title, "module": section.module,
                         "purpose": section.purpose, "first": first, "last": last})
    return {"files": files, "sections": sections, "edited": edited_source}


def edited_line(error):
    """The line of the edited code where `error` happened (the innermost such frame), or None."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == EDITED_FILENAME:
            line = frame.lineno
    return line


def describe_failure(error):
    """One line saying how the edited code failed, at its line; an error raised outside it (the trainer or the sampler
    given something of the wrong kind) is still the edit's, said so."""
    line = edited_line(error)
    if line is None:
        return f"edited model.py: what it returned cannot be used ({type(error).__name__}: {error})"
    where = f"edited model.py, line {line}"
    if not isinstance(error, Exception):     # SystemExit, KeyboardInterrupt: ways to end Python, not errors
        return f"{where}: it exits Python ({type(error).__name__}), which the page's Python must not; remove that"
    return f"{where}: {type(error).__name__}: {error}"


def check_readable(source):
    """Refuse text Python cannot compile for what it is, not for where (a NUL has no line in Python's message)."""
    found = UNREADABLE.search(source)
    if found is None:
        return
    line = source.count("\n", 0, found.start()) + 1
    character = found.group()
    what = ("a NUL character (U+0000)" if character == "\x00" else
            f"U+{ord(character):04X}, half of a character pair without its other half")
    raise EditError(f"edited model.py, line {line}: holds {what}, which is not Python text; delete it")


def load_edited_model(source):
    """The `ScalarModel` class of the edited model.py, after a trial run; raises EditError naming the line."""
    check_readable(source)
    try:
        code = compile(source, EDITED_FILENAME, "exec")
    except SyntaxError as error:
        raise EditError(f"edited model.py, line {error.lineno}: {error.msg}") from None
    WATCH.watch(code)                     # so that code which never returns says so (watch.py)
    module = types.ModuleType("microgpt.edited_model")
    module.__package__ = "microgpt"        # so that `from .engine import Value` finds the running engine
    module.__file__ = EDITED_FILENAME
    try:
        exec(code, module.__dict__)
    except BaseException as error:        # the learner's code may leave any way Python can: SystemExit too
        raise EditError(describe_failure(error)) from None
    model_class = getattr(module, "ScalarModel", None)
    if not isinstance(model_class, type):
        raise EditError("edited model.py: it defines no class ScalarModel; keep that name, the trainer uses it")
    _trial(model_class)
    return model_class


def _trial(model_class):
    """One small document forward and backward, so that a mistake shows now, with its line, not mid-training."""
    config = Config(n_embd=8, n_head=2, block_size=4, engine="scalar")
    vocab_size = 3
    try:
        model = model_class(config, vocab_size, init_weights(config, vocab_size, random.Random(0)))
        loss, grads = model.loss_and_grads([2, 0, 1, 2])
        logits = model.logits(2, 0, model.new_cache())
    except BaseException as error:
        raise EditError(describe_failure(error)) from None
    if not isinstance(loss, float) or not math.isfinite(loss):
        raise EditError(f"edited model.py: the loss of a trial document is {shown(loss)}, not a finite number")
    if not isinstance(logits, (list, tuple)) or len(logits) != vocab_size or not all(map(is_number, logits)):
        raise EditError(f"edited model.py: logits must give a list of {vocab_size} numbers, one per token (for the "
                        f"trial's vocabulary); it gave {shown(logits)}")
    weights = model.weights
    if not isinstance(grads, dict) or set(grads) != set(weights) or any(
            not isinstance(grads[name], list) or len(grads[name]) != len(mat)
            or any(not isinstance(g, list) or len(g) != len(row) or not all(map(is_number, g))
                   for g, row in zip(grads[name], mat))
            for name, mat in weights.items()):
        raise EditError("edited model.py: loss_and_grads must give every weight a gradient of numbers, a matrix shaped "
                        "like that weight's")


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
