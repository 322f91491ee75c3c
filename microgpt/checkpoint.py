"""Checkpoints: a whole run as one JSON document, and its strict validation on the way back in.

Contents: format version, config, vocabulary, the data it was trained on (a fingerprint of the documents and a
description a person recognises), step, weights, Adam moments and the random stream's state, which is what resuming
needs to continue bit for bit. Sampling needs no data; resuming needs the same documents in the same order. Loading
parses JSON only (nothing is evaluated or unpickled) and checks every key, shape and number before anything is used: a
checkpoint may come from a stranger, so its size and nesting are capped before parsing and its numbers must mean
something training could have produced (finite, within the optimizer's bounds, second moments never negative).
Saving is atomic: a failed write (a full disk) leaves the previous file as it was.
"""

import json
import math
import os
import re
import tempfile

from .config import Config, ConfigError
from .cost import MAX_PARAMS
from .data import DataError, check_vocabulary, control_character, describe_character, read_bounded
from .model import parameter_shapes
from .optim import MAX_FIRST_MOMENT, MAX_SECOND_MOMENT, MAX_WEIGHT

FORMAT = "microgpt-checkpoint"
VERSION = 1
KEYS = {"format", "version", "config", "vocab", "docs_sha256", "data_description", "step", "weights", "adam",
        "rng_state"}
# Checkpoints written before the data description existed are still version 1 and still load.
OPTIONAL_KEYS = {"data_description"}
# The largest model allowed, saved: weights, m and v, each number at most ~25 characters and a comma, plus the rest.
MAX_BYTES = 3 * MAX_PARAMS * 26 + 1_000_000
# The deepest a checkpoint nests: {"adam": {"m": {name: [[x]]}}} is 5 levels. Deeper JSON is refused before parsing,
# because parsing it recurses (a RecursionError here, a fatal stack overflow in the browser's Python).
MAX_DEPTH = 5
# A JSON string, "unrolled" (runs of plain characters between escapes): the regex engine keeps no state per character,
# so a page's `load` payload, one string of tens of megabytes, is scanned in constant memory (the plainer
# r'"(?:[^"\\]|\\.)*"' keeps some per character: a MemoryError in the page's Python for a 26 MB checkpoint).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_INNERMOST = re.compile(r"\[[^][{}]*\]|\{[^][{}]*\}")


class CheckpointError(ValueError):
    """The checkpoint cannot be used; the message says which part is wrong."""


def to_json(run):
    version, internal, gauss_next = run.rng.getstate()
    document = {
        "format": FORMAT, "version": VERSION, "config": run.config.to_dict(), "vocab": run.tokenizer.chars,
        "docs_sha256": run.docs_sha256, "data_description": run.data_description, "step": run.step,
        "weights": run.model.weights,
        "adam": run.optimizer.state(), "rng_state": [version, list(internal), gauss_next],
    }
    return json.dumps(document, separators=(",", ":"))


def save(run, path):
    """Write the checkpoint atomically: a temporary file in the same folder, flushed to disk, then renamed over
    `path`, so that a failure at any point leaves whatever was at `path` untouched."""
    text = to_json(run)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".microgpt-", suffix=".tmp", dir=folder)
    except OSError as error:
        raise CheckpointError(f"checkpoint {path}: cannot be written ({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        os.unlink(temporary)
        raise CheckpointError(f"checkpoint {path}: cannot be written ({error.strerror or error}); "
                              f"any previous file there is unchanged") from None


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_writable(path):
    """Refuse, before any training, a checkpoint path that save() could not write: a folder, a missing or
    read-only folder around it."""
    if os.path.isdir(path):
        raise CheckpointError(f"checkpoint {path}: is a folder; give a file name, "
                              f"e.g. {os.path.join(path, 'model.json')}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CheckpointError(f"checkpoint {path}: the folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise CheckpointError(f"checkpoint {path}: cannot write in {folder} ({error.strerror or error})") from None


def parse(text, origin="checkpoint"):
    """Parse and validate a checkpoint; returns the dict with `config` turned into a Config."""
    if len(text) > MAX_BYTES:
        raise CheckpointError(f"{origin}: {len(text):,} characters is more than the {MAX_BYTES:,} a checkpoint of the "
                              f"largest model allowed takes")
    if nesting_exceeds(text, MAX_DEPTH):
        raise CheckpointError(f"{origin}: not a microgpt checkpoint (nested more than {MAX_DEPTH} levels deep)")
    try:
        doc = json.loads(text, parse_constant=refuse_constant)
    except (json.JSONDecodeError, ValueError) as error:
        raise CheckpointError(f"{origin}: not a microgpt checkpoint (invalid JSON: {error})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckpointError(f"{origin}: not a microgpt checkpoint (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise CheckpointError(f"{origin}: format version {doc.get('version')!r} is not supported (expected {VERSION})")
    if not KEYS - OPTIONAL_KEYS <= set(doc) <= KEYS:
        extra, missing = sorted(set(doc) - KEYS), sorted(KEYS - OPTIONAL_KEYS - set(doc))
        raise CheckpointError(f"{origin}: unexpected keys {extra} / missing keys {missing}")
    try:
        config = Config.from_dict(doc["config"])
    except ConfigError as error:
        raise CheckpointError(f"{origin}: bad config: {error}") from None
    vocab = doc["vocab"]
    if not isinstance(vocab, str) or not vocab or len(set(vocab)) != len(vocab) or list(vocab) != sorted(vocab):
        raise CheckpointError(f"{origin}: vocab must be a non-empty string of distinct sorted characters")
    try:
        check_vocabulary(len(vocab), f"{origin}: vocab")
    except DataError as error:
        raise CheckpointError(str(error)) from None
    bad = control_character(vocab)
    if bad is not None:
        raise CheckpointError(f"{origin}: vocab holds the control character {describe_character(bad)}")
    step = doc["step"]
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= config.num_steps:
        raise CheckpointError(f"{origin}: step {step!r} is not between 0 and num_steps ({config.num_steps})")
    if not isinstance(doc["docs_sha256"], str):
        raise CheckpointError(f"{origin}: docs_sha256 must be a string")
    doc.setdefault("data_description", "")
    if not isinstance(doc["data_description"], str):
        raise CheckpointError(f"{origin}: data_description must be a string")
    shapes = parameter_shapes(config, len(vocab) + 1)
    _check_matrices(doc["weights"], shapes, f"{origin}: weights", -MAX_WEIGHT, MAX_WEIGHT)
    adam = doc["adam"]
    if not isinstance(adam, dict) or set(adam) != {"m", "v"}:
        raise CheckpointError(f"{origin}: adam must hold exactly \"m\" and \"v\"")
    _check_matrices(adam["m"], shapes, f"{origin}: adam.m", -MAX_FIRST_MOMENT, MAX_FIRST_MOMENT)
    _check_matrices(adam["v"], shapes, f"{origin}: adam.v", 0.0, MAX_SECOND_MOMENT)
    doc["rng_state"] = _check_rng_state(doc["rng_state"], origin)
    doc["config"] = config
    return doc


def load(path):
    try:
        raw = read_bounded(path, MAX_BYTES, f"checkpoint {path}")
    except DataError as error:
        raise CheckpointError(str(error)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CheckpointError(f"checkpoint {path}: not a microgpt checkpoint (not UTF-8 text: {error.reason} at byte "
                              f"{error.start})") from None
    return parse(text, f"checkpoint {path}")


def nesting_exceeds(text, depth):
    """Whether JSON `text` nests arrays/objects deeper than `depth`, found without parsing: strings are blanked,
    then `depth` passes each remove the innermost brackets; any bracket left was deeper."""
    text = _STRING.sub('""', text)
    for _ in range(depth):
        text, removed = _INNERMOST.subn("", text)
        if not removed:     # only unclosed brackets are left: the parser would descend into each of them
            return text.count("[") + text.count("{") > depth
    return bool(re.search(r"[][{}]", text))


def refuse_constant(name):
    raise ValueError(f"{name} is not a finite number")


def _check_matrices(matrices, shapes, where, low, high):
    if not isinstance(matrices, dict) or list(matrices) != [name for name, _, _ in shapes]:
        raise CheckpointError(f"{where}: expected the matrices {[name for name, _, _ in shapes]}")
    for name, rows, cols in shapes:
        mat = matrices[name]
        if (not isinstance(mat, list) or len(mat) != rows
                or any(not isinstance(row, list) or len(row) != cols for row in mat)):
            raise CheckpointError(f"{where}.{name}: expected {rows} rows of {cols} numbers")
        for row in mat:
            for i, x in enumerate(row):
                exact_int = isinstance(x, int) and not isinstance(x, bool)   # compared exactly: 10**400 cannot overflow
                if not exact_int and not (isinstance(x, float) and math.isfinite(x)):
                    raise CheckpointError(f"{where}.{name}: {x!r} is not a finite number")
                if not low <= x <= high:
                    raise CheckpointError(f"{where}.{name}: {x!r} is outside [{low:g}, {high:g}], beyond what training "
                                          f"produces")
                row[i] = float(x)


def _check_rng_state(state, origin):
    """Random.setstate takes (version 3, 625 ints: 624 words + position, gauss_next or None)."""
    ok = (isinstance(state, list) and len(state) == 3 and state[0] == 3 and isinstance(state[1], list)
          and len(state[1]) == 625 and all(isinstance(w, int) and 0 <= w < 2**32 for w in state[1][:624])
          and isinstance(state[1][624], int) and 0 <= state[1][624] <= 624
          and (state[2] is None or isinstance(state[2], float)))
    if not ok:
        raise CheckpointError(f"{origin}: rng_state is not a valid random-generator state")
    return (3, tuple(state[1]), state[2])
