"""Checkpoints: a whole run as one JSON document, and its strict validation on the way back in.

Contents: format version, config, vocabulary, the data it was trained on (a fingerprint of the documents and a
description a person recognises), step, weights, Adam moments and the random stream's state, which is what resuming
needs to continue bit for bit. Sampling needs no data; resuming needs the same documents in the same order. Loading parses JSON only (nothing is
evaluated or unpickled) and checks every key, shape and number before anything is used.
"""

import json
import math

from .config import Config, ConfigError
from .model import parameter_shapes

FORMAT = "microgpt-checkpoint"
VERSION = 1
KEYS = {"format", "version", "config", "vocab", "docs_sha256", "data_description", "step", "weights", "adam",
        "rng_state"}
# Checkpoints written before the data description existed are still version 1 and still load.
OPTIONAL_KEYS = {"data_description"}


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
    with open(path, "w", encoding="utf-8") as out:
        out.write(to_json(run))


def parse(text, origin="checkpoint"):
    """Parse and validate a checkpoint; returns the dict with `config` turned into a Config."""
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
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
    step = doc["step"]
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= config.num_steps:
        raise CheckpointError(f"{origin}: step {step!r} is not between 0 and num_steps ({config.num_steps})")
    if not isinstance(doc["docs_sha256"], str):
        raise CheckpointError(f"{origin}: docs_sha256 must be a string")
    doc.setdefault("data_description", "")
    if not isinstance(doc["data_description"], str):
        raise CheckpointError(f"{origin}: data_description must be a string")
    shapes = parameter_shapes(config, len(vocab) + 1)
    _check_matrices(doc["weights"], shapes, f"{origin}: weights")
    adam = doc["adam"]
    if not isinstance(adam, dict) or set(adam) != {"m", "v"}:
        raise CheckpointError(f"{origin}: adam must hold exactly \"m\" and \"v\"")
    _check_matrices(adam["m"], shapes, f"{origin}: adam.m")
    _check_matrices(adam["v"], shapes, f"{origin}: adam.v")
    doc["rng_state"] = _check_rng_state(doc["rng_state"], origin)
    doc["config"] = config
    return doc


def load(path):
    try:
        with open(path, encoding="utf-8") as source:
            text = source.read()
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CheckpointError(f"checkpoint {path}: cannot be read ({error})") from None
    return parse(text, f"checkpoint {path}")


def _refuse_constant(name):
    raise ValueError(f"{name} is not a finite number")


def _check_matrices(matrices, shapes, where):
    if not isinstance(matrices, dict) or list(matrices) != [name for name, _, _ in shapes]:
        raise CheckpointError(f"{where}: expected the matrices {[name for name, _, _ in shapes]}")
    for name, rows, cols in shapes:
        mat = matrices[name]
        if (not isinstance(mat, list) or len(mat) != rows
                or any(not isinstance(row, list) or len(row) != cols for row in mat)):
            raise CheckpointError(f"{where}.{name}: expected {rows} rows of {cols} numbers")
        for row in mat:
            for i, x in enumerate(row):
                if isinstance(x, int) and not isinstance(x, bool):
                    row[i] = x = float(x)
                if not isinstance(x, float) or not math.isfinite(x):
                    raise CheckpointError(f"{where}.{name}: {x!r} is not a finite number")


def _check_rng_state(state, origin):
    """Random.setstate takes (version 3, 625 ints: 624 words + position, gauss_next or None)."""
    ok = (isinstance(state, list) and len(state) == 3 and state[0] == 3 and isinstance(state[1], list)
          and len(state[1]) == 625 and all(isinstance(w, int) and 0 <= w < 2**32 for w in state[1][:624])
          and isinstance(state[1][624], int) and 0 <= state[1][624] <= 624
          and (state[2] is None or isinstance(state[2], float)))
    if not ok:
        raise CheckpointError(f"{origin}: rng_state is not a valid random-generator state")
    return (3, tuple(state[1]), state[2])
