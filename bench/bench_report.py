"""The engines part of docs/benchmarks.md from the engines benchmark's report (bench/engines.py): the tables and the
goals, met or not. The script replaces the text between BEGIN and END and leaves the rest of the document as it is."""

FLOOR_GOALS = {(16, 16, 1): 1.8}     # whole step with Adam / floor; every larger config: 1.3
LARGER_GOAL = 1.3
BEGIN = "<!-- bench/engines.py writes from here to END (edit bench/bench_report.py, not this part) -->"
END = "<!-- END of what bench/engines.py writes -->"


def engines_table(default):
    rows = default["engines"]
    lines = ["| engine | ms/step fwd+bwd | ms/step with Adam | first 5 steps, ms with Adam | ns/FLOP with Adam | "
             "x floor | fast is x faster | fast is x faster with Adam | peak MB/step | MB held after 3 steps | "
             "fast's memory share |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in rows.items():
        lines.append(f"| {name} | {row['engine_ms']:.2f} | {row['step_ms']:.2f} | {row['first_step_ms']:.2f} | "
                     f"{row['step_ns_per_flop']:.1f} | {row['step_floor_ratio']:.2f} | {row['fast_speedup']:.1f} | "
                     f"{row['fast_speedup_with_adam']:.1f} | {row['peak_mb']:.3f} | {row['held_mb']:.3f} | "
                     f"{row['fast_memory_fraction']:.3f} |")
    return lines


def floor_table(configs):
    lines = ["| n_embd × block × layers | floor ns/FLOP (kernels at n_embd, 4·n_embd) | fast ms fwd+bwd | "
             "fast ms with Adam | fast ns/FLOP with Adam | fwd+bwd x floor | with Adam x floor | "
             "every run, with Adam x floor | goal |",
             "|---|---|---:|---:|---:|---:|---:|---|---:|"]
    for entry in configs:
        c, floor, fast = entry["config"], entry["floor"], entry["engines"]["fast"]
        kernels = "; ".join(f"{width}: acc8 {k['accumulate8']:.1f}, dot {k['dot']:.1f}"
                            for width, k in floor["kernels"].items())
        goal = goal_of(c)
        verdict = "met" if fast["step_floor_ratio"] <= goal else "not met"
        lines.append(f"| {c['n_embd']} × {c['block_size']} × {c['n_layer']} | {floor['ns_per_flop']:.1f} ({kernels}) | "
                     f"{fast['engine_ms']:.2f} | {fast['step_ms']:.2f} | {fast['step_ns_per_flop']:.1f} | "
                     f"{fast['engine_floor_ratio']:.2f} | "
                     f"{fast['step_floor_ratio']:.2f} | {', '.join(f'{r:.2f}' for r in fast['step_floor_ratios'])} | "
                     f"≤ {goal} ({verdict}) |")
    return lines


def goal_of(config):
    return FLOOR_GOALS.get((config["n_embd"], config["block_size"], config["n_layer"]), LARGER_GOAL)


def markdown(report):
    default = report["configs"][0]
    original = default["engines"]["original"]
    lines = [
        f"`python -m bench.engines` on {report['machine']}. Not a timed test: numbers vary with the machine and its "
        "load. Times are CPU time of the benchmark process (time.process_time).", "",
        f"### Engines side by side (default config, the same {default['steps']} consecutive steps on the shuffled "
        "built-in names, each through the trainer's `Run.train_step`)", "",
        "- original: the scalar engine run the original's way (recursive closure topological sort, garbage collector "
        "on, the previous graph alive): its collector's cost grows with the heap, hence the first-5-steps column",
        "- scalar: our scalar engine (iterative sort, collector paused during a step)",
        "- fast: the fast engine (vector ops, hand-written backward); of several runs, the one with the median ratio "
        "to its floor (below)", "",
        *engines_table(default), "",
        f"Against the original as it really runs ({default['steps']} consecutive steps): the fast engine is "
        f"{original['fast_speedup']:.0f}x faster for forward + backward and {original['fast_speedup_with_adam']:.0f}x "
        "for the whole step with Adam.", "",
        "### Against the floor", "",
        "FLOPs per step are counted from the config: 2 per multiply-add of the forward (six linear layers per layer, "
        "attention scores and weighted values over the cached positions, lm_head), x 3 for forward and backward, plus "
        "Adam's 14 per parameter. The floor is what pure Python pays per FLOP in the bare kernels the fast step is "
        "made of, timed in the same run on vectors of the step's widths (n_embd and 4·n_embd): the fast engine's "
        "eight-term accumulate pass (16 FLOPs per element) and a `reduce(add, map(mul))` dot; the faster at each "
        "width, averaged over the two widths, timed in slices between an engine run's steps (as many FLOPs as each "
        "step), so that a drift in the machine's speed moves both sides of the ratio alike. Of the fast engine's runs "
        "the one with the median ratio is shown, every run's ratio beside it. Larger configs train on "
        "context-filling documents.", "",
        *floor_table(report["configs"]), "",
        "The scalar engines are timed at the default config only: at the larger ones a step's graph holds millions "
        "of Value nodes (gigabytes, seconds per step).",
    ]
    if report["scaling"]:
        lines += ["", "### Fast engine scaling (n_head 4; documents fill the context; forward + backward, fastest of "
                  "several steps)", "",
                  "| n_embd | block_size | n_layer | params | MFLOP/step | ms/step | ns/FLOP |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for row in report["scaling"]:
            lines.append(f"| {row['n_embd']} | {row['block_size']} | {row['n_layer']} | {row['params']:,} | "
                         f"{row['mflop']:.2f} | {row['ms']:.2f} | {row['ns_per_flop']:.1f} |")
    return "\n".join(lines) + "\n"


def splice(document, report):
    """`document` (docs/benchmarks.md's text) with its engines part, between BEGIN and END, made from `report`."""
    if BEGIN not in document or END not in document:
        raise SystemExit(f"docs/benchmarks.md: the lines {BEGIN!r} and {END!r} mark where the engines' tables go; "
                         "put them back around that part")
    start, end = document.index(BEGIN) + len(BEGIN), document.index(END)
    return document[:start] + "\n" + markdown(report) + document[end:]
