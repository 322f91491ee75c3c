"""The command line: `python -m microgpt train|sample|inspect`, with flags generated from Config.

Every user mistake (bad flag value, bad dataset, bad checkpoint, bad prefix, an output that would overwrite an input
or cannot be written) ends with one line `error: ...` on stderr and exit code 2, found before step 1 whenever it can
be; nothing the user had is overwritten by a failed run. A run that diverges stops at that step, says so, keeps (and
saves) its last finite model and exits with 3; Ctrl-C (or SIGTERM) stops after the current step, saves a resumable
checkpoint when one was asked for, and exits with 130 (143).
"""

import argparse
import json
import os
import random
import signal
import sys

from . import checkpoint, insight_text, trace, trace_text
from .config import FIELDS, Config, ConfigError, cli_flag, field_kind
from .data import (BUILTIN_DESCRIPTION, DataError, Tokenizer, builtin_documents, describe_documents,
                   parse_documents, read_text_file)
from .sample import check_prefix, sample_names
from .train import Run, TrainingDiverged, model_class

EXIT_DIVERGED = 3

DESCRIPTION = """\
microgpt: a tiny GPT that learns to make up names, one character at a time, in pure Python.

  python -m microgpt train                      train on the built-in names (1000 steps), then print 20 samples
  python -m microgpt train --data my.txt        train on your own text file, one document (e.g. a name) per line
  python -m microgpt train --checkpoint m.json  ...and save the trained model
  python -m microgpt sample --checkpoint m.json --prefix jo --temperature 0.8 --sample-seed 7
  python -m microgpt inspect --checkpoint m.json --prefix ma   next-token probabilities, attention, embedding map
  python -m microgpt inspect --checkpoint m.json --trace emma --position 2 [--grad]   one name through every stage
"""


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ConfigError, DataError, checkpoint.CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `| head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return exit_code_for(signal.SIGINT)


def build_parser():
    parser = argparse.ArgumentParser(prog="microgpt", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{train,sample,inspect}")

    train = commands.add_parser("train", help="train a model (and print samples)",
                                description="Train a model, printing one line per step, then samples.")
    train.add_argument("--data", metavar="FILE", help="text file, one document per line (default: built-in names)")
    train.add_argument("--checkpoint", metavar="OUT.json", help="save the model here after training")
    train.add_argument("--log", metavar="OUT.jsonl", help="write one JSON object per step (full-precision loss)")
    train.add_argument("--resume", metavar="FILE", help="continue the run saved in this checkpoint (same --data)")
    train.add_argument("--stop-after", type=int, metavar="N",
                       help="stop at step N of the schedule (resume later with --resume)")
    train.add_argument("--quiet", action="store_true", help="print only every 100th step")
    settings = train.add_argument_group("settings (defaults reproduce the original microgpt)")
    for f in FIELDS:
        flag = cli_flag(f.name)
        extra = {"choices": f.metadata["choices"]} if field_kind(f) == "choice" else {}
        settings.add_argument(flag, dest=f.name, metavar=None if extra else f.name.upper(), default=None,
                              help=f"{f.metadata['help']} (default: {f.default!r})", **extra)
    train.set_defaults(handler=run_train)

    sample = commands.add_parser("sample", help="generate names from a saved model",
                                 description="Generate names from a checkpoint saved by `train --checkpoint`.")
    sample.add_argument("--checkpoint", required=True, metavar="FILE", help="checkpoint saved by train")
    sample.add_argument("--num-samples", metavar="N", help="how many names (default: the run's num_samples)")
    sample.add_argument("--num", dest="num_samples", help=argparse.SUPPRESS)  # the flag's name before --num-samples
    sample.add_argument("--temperature", metavar="T",
                        help="0 < T: low = safe and repetitive, high = adventurous (default: the run's)")
    sample.add_argument("--prefix", metavar="STR", help="every name starts with this (default: the run's)")
    sample.add_argument("--sample-seed", metavar="S",
                        help="sampling seed: the same seed gives the same names (default: continue the run's random "
                             "stream, as the original does)")
    sample.add_argument("--seed", dest="sample_seed", help=argparse.SUPPRESS)  # before --sample-seed: same meaning
    sample.set_defaults(handler=run_sample)

    inspect = commands.add_parser("inspect", help="look inside a saved model",
                                  description="Print what a saved model computes: the probability of each next "
                                              "character after a prefix, the attention weights of every layer and "
                                              "head over a text, and a 2-D map (PCA) of the token and position "
                                              "embeddings.")
    inspect.add_argument("--checkpoint", required=True, metavar="FILE", help="checkpoint saved by train")
    inspect.add_argument("--prefix", default="", metavar="STR",
                         help="the next-token probabilities after this beginning of a name (default: none)")
    inspect.add_argument("--temperature", metavar="T", help="sampling temperature of the probabilities (default: "
                                                            "the run's; they are also shown at 1)")
    inspect.add_argument("--text", metavar="STR", help="the attention weights over this text (default: the prefix)")
    inspect.add_argument("--top", default="10", metavar="N", help="how many of the likeliest tokens (default: 10)")
    inspect.add_argument("--trace", metavar="NAME", help="follow this name through the model: every stage of the "
                                                         "forward pass at --position, with shapes and numbers")
    inspect.add_argument("--position", default="0", metavar="P",
                         help="with --trace: the position (0 reads the start token; default: 0)")
    inspect.add_argument("--grad", action="store_true",
                         help="with --trace: take one training step on the name and show each stage's gradient and "
                              "what Adam changed (the checkpoint file is not changed)")
    inspect.set_defaults(handler=run_inspect)
    return parser


def load_docs(path):
    """The documents and their description (the same for the built-in data as the page's, so checkpoints made on it
    resume in either)."""
    if path is None:
        docs = builtin_documents()
        return docs, describe_documents(docs, f"the built-in data, {BUILTIN_DESCRIPTION}")
    docs = parse_documents(read_text_file(path), f"dataset {path}")
    return docs, describe_documents(docs, f"the file {os.path.basename(path)}")


def run_train(args):
    overrides = {f.name: getattr(args, f.name) for f in FIELDS if getattr(args, f.name) is not None}
    check_outputs(args)
    docs, description = load_docs(args.data)
    if args.resume:
        if overrides:
            raise ConfigError(f"--resume continues the saved run with its own settings; "
                              f"drop {', '.join(map(cli_flag, overrides))}")
        run = Run.restore(checkpoint.load(args.resume), docs)
    else:
        run = Run(Config.from_dict(overrides), docs, description)
    if args.stop_after is not None and not run.step < args.stop_after <= run.config.num_steps:
        raise ConfigError(f"--stop-after: {args.stop_after} must be after the current step ({run.step}) "
                          f"and at most num_steps ({run.config.num_steps})")
    config = run.config
    check_prefix(run.tokenizer, config.prefix, config.block_size)
    print(f"num docs: {len(run.dataset.docs)}")
    print(f"vocab size: {run.tokenizer.vocab_size}")
    print(f"num params: {run.num_params}")
    log = open_log(args.log, "a" if args.resume else "w")
    stop_request = StopRequest()
    exit_code = 0
    try:
        with stop_request:
            for record in run.steps(args.stop_after):
                print_step(record, config, args.quiet)
                if log:
                    write_log(log, args.log, record, run.step)
                if stop_request.asked:
                    break
    except TrainingDiverged as diverged:
        print(diverged, flush=True)
        exit_code = EXIT_DIVERGED
    except LogWriteError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        save_after_stop(run, args.checkpoint, f"stopped at step {run.step}")
        return 2
    finally:
        if log:
            close_log(log)
    if stop_request.asked:
        save_after_stop(run, args.checkpoint, f"interrupted at step {run.step}")
        return exit_code_for(stop_request.asked)
    if args.checkpoint:
        checkpoint.save(run, args.checkpoint)
        print(f"saved checkpoint to {args.checkpoint} (step {run.step})")
    print_samples(sample_names(run.model, run.tokenizer, config, run.rng))
    return exit_code


def print_step(record, config, quiet):
    line = f"step {record['step']:4d} / {config.num_steps:4d} | loss {record['loss']:.4f}"
    if "holdout_loss" in record:
        line += f" | held-out {record['holdout_loss']:.4f}"
    if not quiet or record["step"] % 100 == 0 or "holdout_loss" in record:
        print(line, flush=True)


def check_outputs(args):
    """Before anything runs: no output may be one of the inputs or the other output (except --checkpoint over the
    --resume file, which the atomic save replaces only once the new run is saved), and each must be writable."""
    inputs = {"--data": args.data, "--resume": args.resume}
    outputs = {"--checkpoint": args.checkpoint, "--log": args.log}
    for out_flag, out_path in outputs.items():
        if out_path is None:
            continue
        for in_flag, in_path in {**inputs, **outputs}.items():
            if in_flag == out_flag or in_path is None or (out_flag, in_flag) == ("--checkpoint", "--resume"):
                continue
            if same_file(out_path, in_path):
                raise ConfigError(f"{out_flag} {out_path}: is the same file as {in_flag}; writing it would destroy "
                                  f"{'the dataset' if in_flag == '--data' else 'that file'}; choose another name")
    if args.checkpoint:
        checkpoint.check_writable(args.checkpoint)
    if args.log and os.path.isdir(args.log):
        raise ConfigError(f"--log {args.log}: is a folder; give a file name")


def same_file(a, b):
    """Whether two paths name one file: the same inode when both exist, else the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def open_log(path, mode):
    if path is None:
        return None
    try:
        return open(path, mode, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"--log {path}: cannot be written ({error.strerror or error})") from None


class LogWriteError(Exception):
    """The --log file failed mid-run; the message says where training stopped."""


def write_log(log, path, record, step):
    """One JSON line, flushed so that the file is whole at every step; a failed write ends the run cleanly (the
    caller saves the steps so far)."""
    try:
        log.write(json.dumps(record) + "\n")
        log.flush()
    except OSError as error:
        raise LogWriteError(f"--log {path}: cannot be written ({error.strerror or error}); "
                            f"training stopped at step {step}") from None


def close_log(log):
    """Close the log; every line written was flushed, so closing can only fail on the line whose write already
    failed, and that failure has been reported."""
    try:
        log.close()
    except OSError:
        pass


def save_after_stop(run, checkpoint_path, what):
    if checkpoint_path:
        checkpoint.save(run, checkpoint_path)
        print(f"{what}; saved checkpoint to {checkpoint_path} (continue with --resume {checkpoint_path})",
              file=sys.stderr)
    else:
        print(f"{what}; nothing saved (give --checkpoint to keep the model)", file=sys.stderr)


def exit_code_for(signum):
    """The shell's convention for a program ended by a signal: 128 + its number (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + signum


class StopRequest:
    """Ctrl-C or SIGTERM during training asks to stop after the current step (a step cut in half would leave the
    optimizer and the weights out of step); `asked` is that signal's number. A second one stops at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.asked = None
        self.previous = {}

    def __enter__(self):
        self.previous = {signum: signal.signal(signum, self.ask) for signum in self.SIGNALS}
        return self

    def ask(self, signum, frame):
        if self.asked:
            raise KeyboardInterrupt
        self.asked = signum
        print("\nstopping after this step (Ctrl-C again to quit now)", file=sys.stderr, flush=True)

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        return False


def load_model(path):
    """The checkpoint, its tokenizer and its model."""
    saved = checkpoint.load(path)
    tokenizer = Tokenizer(saved["vocab"])
    config = saved["config"]
    return saved, tokenizer, model_class(config.engine)(config, tokenizer.vocab_size, saved["weights"])


def run_sample(args):
    saved, tokenizer, model = load_model(args.checkpoint)
    stream = random.Random()
    stream.setstate(saved["rng_state"])
    print_samples(sample_names(model, tokenizer, saved["config"], stream, args.sample_seed, args.num_samples,
                               args.temperature, args.prefix))
    return 0


def run_inspect(args):
    if args.trace is not None:
        return run_trace(args)
    if args.grad:
        raise ConfigError("--grad: shows the gradients of a trace; give --trace NAME too")
    saved, tokenizer, model = load_model(args.checkpoint)
    config = saved["config"].replace(prefix=args.prefix, **({} if args.temperature is None else
                                                             {"temperature": args.temperature}))
    top = parse_top(args.top)
    text = config.prefix if args.text is None else args.text
    insight_text.print_insight(f"{args.checkpoint}, step {saved['step']}", model, tokenizer, config, text, top)
    return 0


def run_trace(args):
    """`inspect --trace NAME --position P [--grad]`: the stages of the name at that position (see trace.py)."""
    try:
        position = int(args.position)
    except ValueError:
        raise ConfigError(f"--position: {args.position!r} is not a whole number") from None
    saved, tokenizer, model = load_model(args.checkpoint)
    if not args.grad:
        reply = trace.trace(model, tokenizer, args.trace, position)
    else:
        try:
            reply = trace.step_on(Run.restore(saved), args.trace, position)
        except TrainingDiverged as diverged:
            print(f"error: {diverged}", file=sys.stderr)
            return EXIT_DIVERGED
    trace_text.print_trace(f"{args.checkpoint}, step {saved['step']}", reply)
    return 0


def parse_top(value):
    try:
        top = int(value)
    except ValueError:
        top = 0
    if top < 1:
        raise ConfigError(f"--top: {value!r} is not a whole number of at least 1")
    return top


def print_samples(samples):
    print("--- inference (new, hallucinated names) ---")
    for i, name in enumerate(samples, 1):
        print(f"sample {i:2d}: {name}")


if __name__ == "__main__":
    sys.exit(main())
