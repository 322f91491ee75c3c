"""Cost: a model's size, and what one training step will take in memory and time, for an engine and settings,
before anything runs; `check_size` refuses what is too large to train here.

The parameter count alone misjudges it: the scalar engine keeps one Python object per multiply-add of the step
(a ~2 M parameter model needs over 7 GB), the fast engine a few floats per parameter. Both costs follow from the
multiply-adds of one forward pass over a document of `n` tokens (the worst case, n = block_size, is what is checked):

    F = n (12 L e² + V e) + L e n (n + 1)      # linear layers and lm_head, plus attention over 1..n positions

with e = n_embd, L = n_layer, V = vocab_size. The constants were fitted on this project's machine (CPython 3.11,
tracemalloc peak of one training step; step time unloaded, see docs/reliability.md, "Limits that match the cost"):
- scalar: ~500 bytes per multiply-add (a Value node for each product and each sum, with their tuples), 150 bytes
  per parameter held; 3.5 µs per multiply-add (forward, graph walk, backward);
- fast: ~300 bytes per parameter (weights, their transposes, gradients, Adam's moments and proposal), 400 bytes per
  activation kept for the backward (n L e), 20 bytes per attention weight (n_head L n²); 0.2 µs per multiply-add.
The page's Python (Pyodide, WebAssembly) takes about twice these times. A held-out evaluation is a forward pass over
each of eval_docs documents; it is estimated long (documents that fill the context, half a step's time per
multiply-add where a forward is about a third), since the page uses it for a deadline.
"""

from .config import ConfigError
from .model import parameter_shapes

# A model with more parameters than this would need gigabytes in the scalar engine and hours per step: refuse it.
MAX_PARAMS = 2_000_000

SCALAR_BYTES_PER_MULTIPLY_ADD = 550
SCALAR_BYTES_PER_PARAM = 150
SCALAR_SECONDS_PER_MULTIPLY_ADD = 3.5e-6
FAST_BYTES_PER_PARAM = 300
FAST_BYTES_PER_ACTIVATION = 400
FAST_BYTES_PER_ATTENTION_WEIGHT = 20
FAST_SECONDS_PER_MULTIPLY_ADD = 0.2e-6
ADAM_SECONDS_PER_PARAM = 0.35e-6
INTERPRETER_BYTES = 40e6          # Python, the package and the dataset, before any model
FORWARD_SHARE = 0.5               # of a step's time per multiply-add, for a forward pass alone (see above)

# A browser tab's WebAssembly memory starts failing well before its 4 GB address space; the CLI keeps the same
# limit so that a run that works in one place works in the other.
MAX_MEMORY_BYTES = 1.5e9
MAX_SECONDS_PER_STEP = 60.0       # a 1000-step run would take 17 hours

# The page (Python in WebAssembly, in a browser tab) holds less than the CLI. Its model goes back and forth as a
# checkpoint, JSON of about 63 characters per trained parameter (weight, Adam's m and v), and reading one back makes a
# Python float per number beside the model it replaces. Measured in Chromium's Pyodide (a loaded machine): a
# 402,176-parameter model (n_embd 128, n_layer 2, a 26 MB checkpoint once trained) loads twice, samples and saves;
# 20 names from it took 45 s, a load 20-30 s (the load deadline is 60 s). Bigger models were not measured loading
# since the payload scan was fixed (checkpoint._STRING); before, n_embd 192 and 256 failed with MemoryError, as did
# that 26 MB checkpoint. The page refuses models above this limit (Session asks `check_size(..., page=True)`), so
# what it trains it can also save, load and sample; the CLI trains them.
PAGE_MAX_PARAMS = 500_000
CHECKPOINT_CHARS_PER_PARAM = 63
# The largest checkpoint the page reads: its largest model's, with room as checkpoint.MAX_BYTES has (26 characters a
# number). Anything larger is refused before it is parsed.
PAGE_MAX_CHECKPOINT_CHARS = 3 * PAGE_MAX_PARAMS * 26 + 1_000_000


def num_params(config, vocab_size):
    """Parameter count: the sizes of the model's matrices (model.parameter_shapes) added up."""
    return sum(rows * cols for _, rows, cols in parameter_shapes(config, vocab_size))


def check_size(config, vocab_size, page=False):
    """Refuse models too large to train here, now that the vocabulary size is known: by parameter count, then by
    what one training step would cost in memory and time on the chosen engine; with `page`, also what the page
    cannot hold (PAGE_MAX_PARAMS)."""
    count = num_params(config, vocab_size)
    if count > MAX_PARAMS:
        raise ConfigError(f"model size: {count:,} parameters is more than the {MAX_PARAMS:,} allowed; "
                          f"lower n_embd, n_layer or block_size")
    too_costly = problem(config, vocab_size) or (page_problem(config, vocab_size) if page else None)
    if too_costly:
        raise ConfigError(too_costly)


def page_problem(config, vocab_size):
    """Why the page cannot hold this model (naming its size, the page's limit and what to do), or None."""
    count = num_params(config, vocab_size)
    if count <= PAGE_MAX_PARAMS:
        return None
    return (f"page limit: {count:,} parameters is more than the {PAGE_MAX_PARAMS:,} the page can hold (its "
            f"checkpoint, about {count * CHECKPOINT_CHARS_PER_PARAM / 1e6:,.0f} MB, would not fit in the browser's "
            f"memory); lower n_embd, n_layer or block_size, or train it with the command line (python -m microgpt "
            f"train)")


def multiply_adds(config, vocab_size, tokens):
    e, layers = config.n_embd, config.n_layer
    return tokens * (12 * layers * e * e + vocab_size * e) + layers * e * tokens * (tokens + 1)


def estimate(config, vocab_size):
    """{"memory_mb", "seconds_per_step", "seconds_per_evaluation"}: the peak memory and the time of one training step
    on a document that fills the context (the worst case), and of one held-out evaluation (0 when there is none)."""
    tokens = config.block_size
    work = multiply_adds(config, vocab_size, tokens)
    params = num_params(config, vocab_size)
    if config.engine == "scalar":
        memory = SCALAR_BYTES_PER_MULTIPLY_ADD * work + SCALAR_BYTES_PER_PARAM * params
        seconds = SCALAR_SECONDS_PER_MULTIPLY_ADD * work
    else:
        memory = (FAST_BYTES_PER_PARAM * params + FAST_BYTES_PER_ACTIVATION * tokens * config.n_layer * config.n_embd
                  + FAST_BYTES_PER_ATTENTION_WEIGHT * config.n_head * config.n_layer * tokens * tokens)
        seconds = FAST_SECONDS_PER_MULTIPLY_ADD * work
    evaluates = config.eval_every > 0 and config.holdout_fraction > 0
    evaluation = config.eval_docs * FORWARD_SHARE * seconds if evaluates else 0.0
    seconds += ADAM_SECONDS_PER_PARAM * params
    return {"memory_mb": round((INTERPRETER_BYTES + memory) / 1e6, 1), "seconds_per_step": seconds,
            "seconds_per_evaluation": evaluation}


def problem(config, vocab_size):
    """Why one step of this run would cost too much (naming the estimate and what to lower), or None."""
    cost = estimate(config, vocab_size)
    lower = "lower n_embd, n_layer or block_size" + (", or use engine fast" if config.engine == "scalar" else "")
    if cost["memory_mb"] * 1e6 > MAX_MEMORY_BYTES:
        return (f"cost: one training step of this {config.engine}-engine model would need about "
                f"{cost['memory_mb'] / 1000:.1f} GB of memory, more than the {MAX_MEMORY_BYTES / 1e9:g} GB allowed; "
                f"{lower}")
    if cost["seconds_per_step"] > MAX_SECONDS_PER_STEP:
        return (f"cost: one training step of this {config.engine}-engine model would take about "
                f"{cost['seconds_per_step']:,.0f} s, more than the {MAX_SECONDS_PER_STEP:g} s allowed; {lower}")
    return None
