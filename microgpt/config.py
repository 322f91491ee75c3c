"""Config: the single source of truth for every hyperparameter.

Each field carries its own description (kind, range, help) in its dataclass metadata; the CLI flags, the checkpoint,
the worker's `schema` reply and the page's form are all generated from `FIELDS`, and everything that builds a Config
from outside goes through `Config.from_dict`, which rejects unknown keys and explains every bad value.
"""

import math
import re
import shlex
from dataclasses import asdict, dataclass, field, fields
from types import SimpleNamespace

# The settings the page sends that are not Config fields (see `request_fields`): where a run's documents come from
# (the built-in names, or the user's own text), and the sampling seed the page starts from, so that Generate is
# reproducible from the first click.
SOURCES = ("builtin", "text")
SAMPLE_SEED_DEFAULT = 1

class ConfigError(ValueError):
    """A hyperparameter is invalid; the message names the field, the value and what is allowed."""


def _field(default, help, group, kind=None, min=None, max=None, min_open=False, choices=None):
    """A Config field whose metadata keys are these parameters' names: `group` is the setting's section, `min`/`max`
    its range (`min_open`: the minimum itself is excluded), `choices` the allowed values of a `kind="choice"`."""
    meta = {"help": help, "group": group, "min": min, "max": max, "min_open": min_open, "choices": choices}
    if kind:
        meta["kind"] = kind
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Config:
    # model shape
    n_embd: int = _field(16, "embedding width (must be divisible by n_head)", "model", min=1, max=512)
    n_head: int = _field(4, "attention heads per layer", "model", min=1, max=64)
    n_layer: int = _field(1, "transformer layers", "model", min=1, max=16)
    block_size: int = _field(16, "context length: the most tokens the model sees at once", "model", min=1, max=256)
    init_std: float = _field(0.08, "standard deviation of the Gaussian initial weights", "model",
                             min=0, max=1, min_open=True)
    # optimizer and schedule
    learning_rate: float = _field(0.01, "Adam learning rate at step 1 (decays linearly to 0)", "training",
                                  min=0, max=1, min_open=True)
    beta1: float = _field(0.85, "Adam first-moment decay", "training", min=0, max=0.9999)
    beta2: float = _field(0.99, "Adam second-moment decay", "training", min=0, max=0.9999)
    adam_eps: float = _field(1e-8, "Adam epsilon", "training", min=0, max=1, min_open=True)
    num_steps: int = _field(1000, "training steps, one document per step", "training", min=1, max=1_000_000)
    seed: int = _field(42, "training seed: the run's one random stream shuffles the documents and draws the initial "
                           "weights; sampling after training continues it", "training", min=0, max=2**32 - 1)
    engine: str = _field("fast", "fast (vector ops) or scalar (the original's Value autograd, slow)", "training",
                         kind="choice", choices=("fast", "scalar"))
    # held-out evaluation
    holdout_fraction: float = _field(0.1, "share of documents held out for evaluation (taken from the end)",
                                     "evaluation", min=0, max=0.5)
    eval_every: int = _field(100, "evaluate the held-out loss every N steps (0: never)", "evaluation",
                             min=0, max=1_000_000)
    eval_docs: int = _field(200, "held-out documents used per evaluation (the first N of the split)", "evaluation",
                            min=1, max=100_000)
    # sampling
    num_samples: int = _field(20, "names to generate", "sampling", min=1, max=500)
    temperature: float = _field(0.5, "sampling temperature: low = safe and repetitive, high = adventurous",
                                "sampling", min=0, max=5, min_open=True)
    prefix: str = _field("", "text every sample starts with (characters from the vocabulary)", "sampling")

    def __post_init__(self):
        problems = _range_problems(self.to_dict())
        if problems:
            raise ConfigError("; ".join(problems.values()))

    @property
    def head_dim(self):
        return self.n_embd // self.n_head

    def to_dict(self):
        return asdict(self)

    def replace(self, **changes):
        return Config.from_dict({**self.to_dict(), **changes})

    @classmethod
    def from_dict(cls, values):
        """Build a Config from untrusted key/value pairs: unknown keys and wrong types are refused by name."""
        problems = field_problems(values)
        if problems:
            raise ConfigError("; ".join(problems.values()))
        return cls(**{name: _coerce(FIELD_BY_NAME[name], value) for name, value in values.items()})


FIELDS = fields(Config)
FIELD_BY_NAME = {f.name: f for f in FIELDS}


def cli_flag(name):
    """The command-line flag of a setting: `python -m microgpt train --learning-rate 0.03` sets learning_rate."""
    return "--" + name.replace("_", "-")


def train_command(config, data_file=None):
    """The `python -m microgpt train` command line that reproduces a run: only the settings that differ from the
    defaults, and `--data` when the run is not on the built-in names."""
    words = ["python", "-m", "microgpt", "train"]
    if data_file is not None:
        words += ["--data", data_file]
    for f in FIELDS:
        value = getattr(config, f.name)
        if value != f.default:
            text = str(value)  # str of a float is its shortest exact repr: the flag gives back the same number
            # a value starting with "-" (a prefix) would be taken for a flag: attach it with "="
            words += [f"{cli_flag(f.name)}={text}"] if text.startswith("-") else [cli_flag(f.name), text]
    return " ".join(shlex.quote(word) for word in words)


def field_problems(values):
    """Every problem with untrusted settings, as {field name: message} (empty when they make a valid Config)."""
    if not isinstance(values, dict):
        return {"config": f"config: expected an object of settings, got {type(values).__name__}"}
    problems = {}
    unknown = sorted(set(values) - set(FIELD_BY_NAME), key=str)
    if unknown:
        named = ", ".join(shown(name)[1:-1] if isinstance(name, str) else shown(name) for name in unknown[:10])
        more = f" and {len(unknown) - 10:,} more" if len(unknown) > 10 else ""
        problems["unknown"] = (f"unknown setting(s): {named}{more}; "
                               f"known settings are: {', '.join(FIELD_BY_NAME)}")
    merged = {f.name: f.default for f in FIELDS}
    for name, value in values.items():
        if name in FIELD_BY_NAME:
            try:
                merged[name] = _coerce(FIELD_BY_NAME[name], value)
            except ConfigError as error:
                problems[name] = str(error)
    for name, message in _range_problems(merged).items():
        problems.setdefault(name, message)
    return problems


def parse_sample_seed(value):
    """The sampling seed from untrusted input (a number, or text from the CLI or a URL): a whole number in the training
    seed's range. It is not a Config field: a run's config says how it was trained, the sampling seed only how one
    batch of samples is drawn."""
    seed = FIELD_BY_NAME["seed"]
    sample_seed = SimpleNamespace(name="sample_seed", type=seed.type, metadata=seed.metadata)
    value = _coerce(sample_seed, value)
    problem = _check_field(sample_seed, value)
    if problem:
        raise ConfigError(problem)
    return value


def _range_problems(values):
    """Range and cross-field problems of well-typed settings, as {field name: message}."""
    problems = {f.name: p for f in FIELDS if (p := _check_field(f, values[f.name]))}
    if "n_embd" not in problems and "n_head" not in problems and values["n_embd"] % values["n_head"]:
        problems["n_embd"] = (f"n_embd: {values['n_embd']} is not divisible by n_head ({values['n_head']}); "
                              f"choose n_embd as a multiple of n_head")
    return problems


def request_fields():
    """The settings the page sends that are not Config, described like Config's fields (see `describe`): the sampling
    seed of a `sample` request (the training seed's range) and the data source of `preview` and `configure`."""
    seed = next(spec for spec in describe() if spec["name"] == "seed")
    return [
        {**seed, "name": "sample_seed", "default": SAMPLE_SEED_DEFAULT, "group": "sampling",
         "help": "same seed, same names"},
        {"name": "source", "kind": "choice", "default": SOURCES[0], "help": "the built-in names, or your own text "
         "(pasted or uploaded)", "group": "data", "min": None, "max": None, "min_open": False,
         "choices": list(SOURCES)},
    ]


def field_kind(f):
    return f.metadata.get("kind") or {int: "int", float: "float", str: "str"}[f.type]


def describe():
    """The settings table as plain JSON-able data: what the page's form and the CLI are built from."""
    out = []
    for f in FIELDS:
        out.append({"name": f.name, "kind": field_kind(f), "default": f.default, "help": f.metadata["help"],
                    "group": f.metadata["group"], "min": f.metadata["min"], "max": f.metadata["max"],
                    "min_open": f.metadata["min_open"], "choices": list(f.metadata["choices"] or []) or None})
    return out


def _coerce(f, value):
    """Accept a value of the field's kind; ints may stand for floats, and strings are parsed (from the CLI or a URL)."""
    kind = field_kind(f)
    if kind in ("str", "choice"):
        if not isinstance(value, str):
            raise ConfigError(f"{f.name}: expected text, got {shown(value)}")
        return value
    if isinstance(value, str):
        value = _parse_number(f, value, kind)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{f.name}: expected a number, got {shown(value)}")
    if kind == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise ConfigError(f"{f.name}: {shown(value)} is not a whole number")
            value = int(value)
        return value
    if isinstance(value, int) and abs(value) > 1e300:    # float() of a JSON integer with 400 digits overflows
        raise ConfigError(f"{f.name}: {shown(value)} is too large; it must be at most {f.metadata['max']}")
    return float(value)


# The one spelling of numbers, shared with the page (web/settings/settings.js NUMBER): decimal digits with an optional
# sign, point and exponent. Not hexadecimal, underscores, or other scripts' digits, which the page's Number() and
# Python's int() each accept differently; "nan" and "inf" are read so that their message can say they are not finite.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
MAX_NUMBER_CHARS = 100
NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def _parse_number(f, text, kind):
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_CHARS:     # Python refuses int() of over 4300 digits; no setting needs 100
        raise ConfigError(f"{f.name}: {shown(text)} is too long to be a setting's number")
    if NON_FINITE.fullmatch(stripped):
        return float(stripped)
    if not NUMBER.fullmatch(stripped):
        raise ConfigError(f"{f.name}: {shown(text)} is not {'a whole number' if kind == 'int' else 'a number'}")
    if kind == "int" and stripped.lstrip("+-").isdigit():
        return int(stripped)
    return float(stripped)


def shown(value, limit=40):
    """repr(value), cut short: a value pasted or sent by anyone must not make a message of megabytes."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _check_field(f, value):
    """The message for a value outside its field's range, or None."""
    meta = f.metadata
    kind = field_kind(f)
    if kind == "choice":
        if value not in meta["choices"]:
            return f"{f.name}: {shown(value)} is not one of {', '.join(meta['choices'])}"
        return None
    if kind == "str":
        return None if len(value) <= 1000 else f"{f.name}: longer than 1000 characters"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{f.name}: {shown(value)} is not a finite number"
    low, high = meta["min"], meta["max"]
    if (value <= low) if meta["min_open"] else (value < low):
        bound = f"greater than {low}" if meta["min_open"] else f"at least {low}"
        return f"{f.name}: {shown(value)} is too small; it must be {bound} (and at most {high})"
    if value > high:
        return f"{f.name}: {shown(value)} is too large; it must be at most {high}"
    return None

