"""Benchmark (not a test): the engines side by side, and against the floor of pure Python arithmetic, in one run.

    python -m bench.engines [--steps 200] [--out docs]

1. Engines at the default config, each training the same `--steps` consecutive steps through the trainer's own
   `Run.train_step`, from the same shuffled built-in names and initial weights:
   - "original": the scalar engine as the original runs it (original_way.py: its recursive closure sort, the collector
     on with its default thresholds, the previous step's graph alive until the next forward), whose collector costs
     more as the heap grows, so it is timed over all the consecutive steps (its first few steps are shown too);
   - "scalar": our scalar engine (iterative sort, no reference cycle, collector paused during a step);
   - "fast": the fast engine.
2. The floor: the bare kernels every fast step is made of, timed on vectors of the step's widths (n_embd and
   4·n_embd): the fast engine's eight-term accumulate pass and a `reduce(add, map(mul))` dot. Each engine's step is
   converted to ns per FLOP (FLOPs counted from the config, see `step_flops`) and divided by the floor, at the default
   config and two larger ones (documents fill the context there: the names run together). The kernels are timed in
   slices between the engine's steps (as many FLOPs as each step), so a drift in the machine's speed (this VM's
   drifts by up to 1.5x within seconds) moves both sides of a ratio alike; the fast engine is run several times and
   the run with the median ratio is reported.
3. The fast engine's forward + backward over a grid of n_embd x block_size x n_layer (--no-scaling skips it).
Times are CPU time of this process (time.process_time), which other load on the machine distorts less than the wall
clock. Peak memory per step and what 3 steps leave allocated are tracemalloc's. Writes docs/bench.json (the data) and
the engines part of docs/benchmarks.md (bench_report.py's markdown, between its two marker lines).
"""

import argparse
import gc
import itertools
import json
import pathlib
import platform
import statistics
import time
import tracemalloc
from functools import reduce
from operator import add, mul

from bench.bench_report import BEGIN, END, splice
from bench.original_way import original_run
from microgpt import cost
from microgpt.config import Config
from microgpt.data import builtin_text, parse_documents
from microgpt.train import Run

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Adam's float operations per parameter, as optim.py (and the original) write them: m: 2 multiplies, 1 add;
# v: 2 multiplies, 1 square, 1 add; the update: 2 divisions, 1 power, 1 add, 1 multiply, 1 division, 1 subtraction.
ADAM_FLOPS_PER_PARAM = 14
LARGER_CONFIGS = ({"n_embd": 32, "block_size": 16, "n_layer": 2}, {"n_embd": 64, "block_size": 32, "n_layer": 2})


def forward_multiply_adds(config, vocab_size, positions):
    """Multiply-adds of the forward over `positions` positions: per layer the six linear layers (12 n_embd²) and the
    attention scores and weighted values over the p + 1 cached positions; then lm_head. Norms, softmax and residual
    additions (a few operations per number, not per weight) are left out, so the ns per FLOP slightly overstate."""
    e = config.n_embd
    return sum(config.n_layer * (12 * e * e + 2 * (p + 1) * e) + vocab_size * e for p in range(positions))


def step_flops(config, vocab_size, positions, with_adam):
    """FLOPs of one training step on a document of `positions` positions: 2 per multiply-add, x 3 for forward and
    backward (the backward computes both W^T dy and dy x^T, each as many multiply-adds as W x), plus Adam's."""
    flops = 6 * forward_multiply_adds(config, vocab_size, positions)
    return flops + (ADAM_FLOPS_PER_PARAM * cost.num_params(config, vocab_size) if with_adam else 0)


class TimedModel:
    """The run's model, unchanged, with the CPU time spent in loss_and_grads (forward + backward) added up."""

    def __init__(self, model):
        self.model = model
        self.seconds = 0.0

    def __getattr__(self, name):
        return getattr(self.model, name)

    def loss_and_grads(self, tokens):
        start = time.process_time()
        result = self.model.loss_and_grads(tokens)
        self.seconds += time.process_time() - start
        return result


def make_run(engine, config, docs):
    run = original_run(config, docs) if engine == "original" else Run(Config.from_dict({**config.to_dict(),
                                                                                        "engine": engine}), docs)
    run.model = TimedModel(run.model)
    return run


def time_steps(engine, config, docs, steps, floor, first=5):
    """Train `steps` consecutive steps from a clean heap, sampling the `floor` kernels after each (as many FLOPs as
    the step); ms per step (mean) for forward + backward and for the whole step, the same over the first `first`
    steps, ns per FLOP, the floor and the ratios to it, and the losses."""
    gc.collect()
    run = make_run(engine, config, docs)
    vocab_size = run.tokenizer.vocab_size
    losses, flops, flops_adam, step_seconds, early = [], 0, 0, 0.0, None
    for index in range(steps):
        tokens = run.tokens(run.dataset.train[run.step % len(run.dataset.train)])
        positions = min(config.block_size, len(tokens) - 1)
        start = time.process_time()
        losses.append(run.train_step())
        step_seconds += time.process_time() - start
        flops += step_flops(config, vocab_size, positions, False)
        this_step = step_flops(config, vocab_size, positions, True)
        flops_adam += this_step
        floor.sample(this_step)
        if index + 1 == first:
            early = (1000 * run.model.seconds / first, 1000 * step_seconds / first)
    engine_seconds = run.model.seconds
    del run
    gc.collect()
    measured_floor = floor.result()
    floor_ns = measured_floor["ns_per_flop"]
    return {"engine_ms": 1000 * engine_seconds / steps, "step_ms": 1000 * step_seconds / steps,
            "first_engine_ms": early[0] if early else None, "first_step_ms": early[1] if early else None,
            "engine_ns_per_flop": 1e9 * engine_seconds / flops, "step_ns_per_flop": 1e9 * step_seconds / flops_adam,
            "floor": measured_floor, "engine_floor_ratio": 1e9 * engine_seconds / flops / floor_ns,
            "step_floor_ratio": 1e9 * step_seconds / flops_adam / floor_ns, "losses": losses}


def memory_of_engine(engine, config, docs, steps=3):
    """Largest tracemalloc peak of one step above what was allocated when it began, and what the steps left behind
    (for the original: graphs waiting for the collector), in MB."""
    run = make_run(engine, config, docs)
    tracemalloc.start()
    try:
        start, peak = tracemalloc.get_traced_memory()[0], 0
        for _ in range(steps):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            run.train_step()
            peak = max(peak, tracemalloc.get_traced_memory()[1] - before)
        held = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    return peak / 1e6, max(held, 0) / 1e6


def eight_term_pass(y, scalars, vectors):
    """The fast engine's accumulate kernel: y + s0 v0 + ... + s7 v7 in one pass over y (16 FLOPs per element)."""
    s0, s1, s2, s3, s4, s5, s6, s7 = scalars
    v0, v1, v2, v3, v4, v5, v6, v7 = vectors
    return [a + s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 + s4 * u4 + s5 * u5 + s6 * u6 + s7 * u7
            for a, u0, u1, u2, u3, u4, u5, u6, u7 in zip(y, v0, v1, v2, v3, v4, v5, v6, v7)]


def dot(a, b):
    """Σ a_i b_i as the fast engine writes it (2 FLOPs per element)."""
    return reduce(add, map(mul, a, b))


class Floor:
    """The bare kernels on vectors of a config's two widths (n_embd and 4·n_embd), timed in slices between the steps
    of an engine run, so that both see the same machine: on a VM whose speed drifts within seconds, timing the kernels
    apart (even as the fastest of several tries) would compare a quiet moment with the run's average."""

    def __init__(self, config):
        self.kernels = {}           # (width, name) -> (kernel, FLOPs per call)
        for width in (config.n_embd, 4 * config.n_embd):
            vectors = [[(i * 7 + j * 13) % 101 / 101 - 0.5 for j in range(width)] for i in range(9)]
            scalars = [0.1 * (i + 1) for i in range(8)]
            self.kernels[width, "accumulate8"] = (
                lambda vectors=vectors: eight_term_pass(vectors[8], scalars, vectors[:8]), 16 * width)
            self.kernels[width, "dot"] = (lambda vectors=vectors: dot(vectors[0], vectors[1]), 2 * width)
        self.seconds = dict.fromkeys(self.kernels, 0.0)
        self.flops = dict.fromkeys(self.kernels, 0)

    def sample(self, flops):
        """Time each kernel for about `flops` / 4 FLOPs."""
        for key, (kernel, per_call) in self.kernels.items():
            calls = max(1, flops // (4 * per_call))
            start = time.process_time()
            for _ in range(calls):
                kernel()
            self.seconds[key] += time.process_time() - start
            self.flops[key] += calls * per_call

    def result(self):
        """ns per FLOP of each kernel at each width, and the floor: the faster kernel at each width, averaged."""
        kernels = {}
        for (width, name), seconds in self.seconds.items():
            kernels.setdefault(str(width), {})[name] = 1e9 * seconds / self.flops[width, name]
        return {"kernels": kernels, "ns_per_flop": statistics.mean(min(k.values()) for k in kernels.values())}


def default_docs():
    return parse_documents(builtin_text())


def context_filling_docs(block_size, count=400):
    """Documents exactly block_size characters long: the built-in names run together and cut."""
    text = "".join(default_docs())
    return [text[i:i + block_size] for i in range(0, count * block_size, block_size)]


def bench_config(overrides, engines, steps, repeats):
    """Each engine's ms and ns per FLOP at one config, against the floor timed between its steps (fast: the run with
    the median ratio of `repeats`)."""
    config = Config.from_dict({"holdout_fraction": 0.0, "eval_every": 0, **overrides})
    docs = default_docs() if not overrides else context_filling_docs(config.block_size)
    rows = {}
    for engine in engines:
        runs = [time_steps(engine, config, docs, steps, Floor(config))
                for _ in range(repeats if engine == "fast" else 1)]
        row = sorted(runs, key=lambda r: r["step_floor_ratio"])[len(runs) // 2]
        row["step_floor_ratios"] = sorted(r["step_floor_ratio"] for r in runs)
        row["peak_mb"], row["held_mb"] = memory_of_engine(engine, config, docs)
        rows[engine] = row
        print(f"  {engine:>8}: {row['engine_ms']:9.2f} ms fwd+bwd, {row['step_ms']:9.2f} ms with Adam; "
              f"{row['step_ns_per_flop']:6.1f} ns/FLOP = {row['step_floor_ratio']:.2f}x the floor "
              f"({row['floor']['ns_per_flop']:.1f}); runs: "
              + ", ".join(f"{ratio:.2f}x" for ratio in row["step_floor_ratios"]), flush=True)
    for engine, row in rows.items():
        if engine != "fast":
            first = row["losses"][0] == rows["fast"]["losses"][0]
            close = all(abs(a - b) <= 1e-9 * abs(a) for a, b in zip(row["losses"], rows["fast"]["losses"]))
            assert first and close, f"{engine} and fast disagree on the losses"
        row["fast_speedup"] = row["engine_ms"] / rows["fast"]["engine_ms"]
        row["fast_speedup_with_adam"] = row["step_ms"] / rows["fast"]["step_ms"]
        row["fast_memory_fraction"] = rows["fast"]["peak_mb"] / row["peak_mb"]
    for row in rows.values():
        del row["losses"]
    return {"config": {k: config.to_dict()[k] for k in ("n_embd", "n_head", "n_layer", "block_size")},
            "steps": steps, "floor": rows["fast"]["floor"], "engines": rows}


def scaling(budget_seconds):
    """Fast engine forward + backward over the grid, fastest of several steps, on context-filling documents."""
    results = []
    for n_embd, block_size, n_layer in itertools.product((16, 32, 64), (8, 16, 32), (1, 2, 4)):
        config = Config(n_embd=n_embd, n_layer=n_layer, block_size=block_size, holdout_fraction=0.0, eval_every=0)
        run = make_run("fast", config, context_filling_docs(block_size, 60))
        times = []
        while len(times) < 3 or (sum(times) < budget_seconds and len(times) < 50):
            before = run.model.seconds
            run.train_step()
            times.append(run.model.seconds - before)
        flops = step_flops(config, run.tokenizer.vocab_size, block_size, False)
        results.append({"n_embd": n_embd, "block_size": block_size, "n_layer": n_layer, "params": run.num_params,
                        "mflop": flops / 1e6, "ms": 1000 * min(times), "ns_per_flop": 1e9 * min(times) / flops})
        print(f"  n_embd {n_embd:2d} block_size {block_size:2d} n_layer {n_layer}: {results[-1]['ms']:9.2f} ms/step, "
              f"{results[-1]['ns_per_flop']:5.1f} ns/FLOP", flush=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.engines", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="consecutive steps each engine trains (default config)")
    parser.add_argument("--larger-steps", type=int, default=20, help="steps of the fast engine at the larger configs")
    parser.add_argument("--repeats", type=int, default=5,
                        help="times the fast engine is timed (the run with the median ratio to its floor counts)")
    parser.add_argument("--scaling-seconds", type=float, default=0.3, help="time budget per scaling config")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling table")
    parser.add_argument("--out", default=str(ROOT / "docs"),
                        help="folder of bench.json and benchmarks.md ('' for none)")
    args = parser.parse_args(argv)
    machine = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, {platform.system()}"
    print(f"engines at the default config, {args.steps} steps ({machine})", flush=True)
    report = {"machine": machine, "configs": [bench_config({}, ("original", "scalar", "fast"), args.steps, args.repeats)]}
    for overrides in LARGER_CONFIGS:
        print(f"fast engine at {overrides}, {args.larger_steps} steps", flush=True)
        report["configs"].append(bench_config(overrides, ("fast",), args.larger_steps, args.repeats))
    report["scaling"] = [] if args.no_scaling else scaling(args.scaling_seconds)
    if args.out:
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        document = out / "benchmarks.md"
        document.write_text(splice(document.read_text() if document.exists() else f"{BEGIN}\n{END}\n", report))
        (out / "bench.json").write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {out / 'bench.json'} and the engines part of {document}")


if __name__ == "__main__":
    main()
