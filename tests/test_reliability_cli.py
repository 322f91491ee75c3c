"""Reliability of the command line: work is never lost (outputs that are inputs, unwritable outputs, Ctrl-C, a log
that cannot be written), divergence is a result, and data, numbers and checkpoints from anyone end in one line."""

import json
import math
import os
import signal
import subprocess
import sys

import pytest

from microgpt import checkpoint
from tests.test_cli import ROOT, cli, refusal

TINY = ["--n-embd", "8", "--n-head", "2", "--eval-every", "0", "--num-samples", "2"]


def trained(tmp_path, name="m.json", steps=3):
    path = tmp_path / name
    assert cli("train", *TINY, "--num-steps", str(steps), "--checkpoint", path).returncode == 0
    return path


def names_file(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("anna\nbob\ncyril\ndora\neve\n")
    return path


# --- work is never lost ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--log", "--checkpoint"])
def test_an_output_that_is_the_dataset_is_refused_and_the_dataset_kept(tmp_path, flag):
    data = names_file(tmp_path)
    before = data.read_bytes()
    refusal(cli("train", *TINY, "--num-steps", "2", "--data", data, flag, data),
            f"{flag} {data}: is the same file as --data; writing it would destroy the dataset")
    os.symlink(data, tmp_path / "link.txt")
    refusal(cli("train", *TINY, "--num-steps", "2", "--data", data, flag, tmp_path / "link.txt"), "same file")
    assert data.read_bytes() == before


def test_the_log_may_not_be_the_resumed_checkpoint_or_the_new_one(tmp_path):
    ckpt = trained(tmp_path, steps=2)
    before = ckpt.read_bytes()
    refusal(cli("train", "--resume", ckpt, "--log", ckpt), "--log", "same file as --resume")
    refusal(cli("train", *TINY, "--checkpoint", tmp_path / "new.json", "--log", tmp_path / "new.json"),
            "--checkpoint", "is the same file as --log")
    assert ckpt.read_bytes() == before


def test_resuming_into_the_same_checkpoint_replaces_it_only_once_saved(tmp_path):
    ckpt = trained(tmp_path, steps=2)
    doc = json.loads(ckpt.read_text())
    doc["config"]["num_steps"] = 4
    ckpt.write_text(json.dumps(doc))
    result = cli("train", "--resume", ckpt, "--checkpoint", ckpt)
    assert result.returncode == 0, result.stderr
    assert checkpoint.load(ckpt)["step"] == 4
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]       # no temporary file left behind


@pytest.mark.parametrize("where, words", [
    ("missing/m.json", "does not exist"),
    (".", "is a folder"),
])
def test_unusable_outputs_are_refused_before_step_1(tmp_path, where, words):
    result = cli("train", *TINY, "--checkpoint", tmp_path / where)
    refusal(result, words)
    assert "step" not in result.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_a_read_only_folder_is_refused_before_step_1(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    result = cli("train", *TINY, "--checkpoint", folder / "m.json")
    refusal(result, "cannot write in")
    assert "step" not in result.stdout


def test_a_log_in_a_missing_folder_or_a_folder_is_refused_before_step_1(tmp_path):
    for log, words in [(tmp_path / "missing" / "log.jsonl", "--log"), (tmp_path, "is a folder")]:
        result = cli("train", *TINY, "--log", log)
        refusal(result, words)
        assert "step" not in result.stdout


def test_an_unusable_prefix_is_refused_before_step_1():
    result = cli("train", *TINY, "--prefix", "Zz")
    refusal(result, "prefix: 'Z' not in the vocabulary")
    assert "step" not in result.stdout
    refusal(cli("train", *TINY, "--block-size", "3", "--prefix", "abc"), "leaves no room")


def test_a_log_that_cannot_be_written_stops_cleanly_with_the_steps_so_far_saved(tmp_path):
    ckpt = tmp_path / "m.json"
    result = cli("train", *TINY, "--num-steps", "50", "--log", "/dev/full", "--checkpoint", ckpt)
    refusal(result, "--log /dev/full: cannot be written (No space left on device); training stopped at step 1")
    assert "saved checkpoint to" in result.stderr and checkpoint.load(ckpt)["step"] == 1


@pytest.mark.parametrize("signum, exit_code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_saves_a_resumable_checkpoint_and_says_so(tmp_path, signum, exit_code):
    """Ctrl-C, and SIGTERM (what `kill`, a closed terminal's job control or a container stop send), stop after the
    current step and save."""
    ckpt = tmp_path / "m.json"
    process = subprocess.Popen([sys.executable, "-m", "microgpt", "train", *TINY, "--num-steps", "100000",
                                "--checkpoint", str(ckpt)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    seen = []
    while not seen or not seen[-1].startswith("step   10 "):
        seen.append(process.stdout.readline())
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    out = "".join(seen) + out
    assert process.returncode == exit_code
    step = checkpoint.load(ckpt)["step"]
    assert f"interrupted at step {step}; saved checkpoint to {ckpt} (continue with --resume {ckpt})" in err
    assert "Traceback" not in err and step >= 10
    assert f"step {step:4d} / 100000" in out and f"step {step + 1:4d}" not in out


def test_ctrl_c_without_a_checkpoint_says_nothing_was_saved(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "microgpt", "train", *TINY, "--num-steps", "100000"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not process.stdout.readline().startswith("step    5 "):
        pass
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "nothing saved (give --checkpoint to keep the model)" in err


# --- divergence is a result -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["fast", "scalar"])
def test_a_diverging_run_says_so_keeps_its_last_finite_model_and_exits_3(tmp_path, engine):
    ckpt = tmp_path / "m.json"
    result = cli("train", *TINY, "--engine", engine, "--learning-rate", "1", "--checkpoint", ckpt)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr and "math domain error" not in result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("training diverged"))
    assert line.endswith("the learning rate is too high for these settings (try ≤ 0.1)")
    saved = checkpoint.load(ckpt)
    assert f"saved checkpoint to {ckpt} (step {saved['step']})" in result.stdout
    assert line.startswith(f"training diverged at step {saved['step'] + 1} ")
    numbers = [x for mat in saved["weights"].values() for row in mat for x in row]
    assert all(math.isfinite(x) for x in numbers)
    assert result.stdout.count("sample ") == 2


# --- data, numbers and checkpoints from anyone ----------------------------------------------------------------------

def test_special_files_and_pipes_are_read_with_a_limit():
    refusal(cli("train", "--data", "/dev/zero"), "dataset /dev/zero: more than the 20,971,520 bytes allowed")
    piped = subprocess.run([sys.executable, "-m", "microgpt", "train", *TINY, "--num-steps", "2", "--data",
                            "/dev/stdin"], cwd=ROOT, input="anna\nbob\ncyril\n", capture_output=True, text=True,
                           timeout=600)
    assert piped.returncode == 0 and "num docs: 3" in piped.stdout


def test_control_characters_never_reach_the_terminal(tmp_path):
    data = tmp_path / "ansi.txt"
    data.write_text("anna\n\x1b[2Jbob\n")
    result = cli("train", "--data", data)
    refusal(result, "document 2 holds the control character U+001B '\\x1b'")
    assert "\x1b" not in result.stdout + result.stderr


def test_a_byte_order_mark_is_not_in_the_vocabulary(tmp_path):
    data = tmp_path / "bom.txt"
    data.write_bytes(b"\xef\xbb\xbfab\nba\n")
    result = cli("train", *TINY, "--num-steps", "1", "--data", data)
    assert result.returncode == 0 and "vocab size: 3" in result.stdout


def test_sample_takes_a_tiny_temperature_and_the_seed_spellings_train_takes(tmp_path):
    ckpt = trained(tmp_path)
    cold = cli("sample", "--checkpoint", ckpt, "--temperature", "1e-310", "--num-samples", "3")
    assert cold.returncode == 0, cold.stderr
    assert len({line.split(": ", 1)[1] for line in cold.stdout.splitlines()[1:]}) == 1
    assert cli("sample", "--checkpoint", ckpt, "--sample-seed", "1e3").stdout == \
        cli("sample", "--checkpoint", ckpt, "--sample-seed", "1000").stdout
    for text, words in [("-1", "seed: -1 is too small"), ("0x10", "seed: '0x10' is not a whole number"),
                        ("4294967296", "is too large")]:
        refusal(cli("sample", "--checkpoint", ckpt, "--sample-seed", text), words)
        refusal(cli("train", "--seed", text), words)
    refusal(cli("sample", "--checkpoint", ckpt, "--num-samples", "1_0"), "num_samples: '1_0' is not a whole number")


def test_hostile_checkpoints_are_refused_with_one_line(tmp_path):
    ckpt = trained(tmp_path)
    doc = json.loads(ckpt.read_text())
    doc["adam"]["v"]["wte"][0][0] = -1.0
    (tmp_path / "negative.json").write_text(json.dumps(doc))
    refusal(cli("sample", "--checkpoint", tmp_path / "negative.json"), "adam.v.wte: -1.0 is outside")
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    refusal(cli("sample", "--checkpoint", tmp_path / "deep.json"), "nested more than 5 levels deep")
    (tmp_path / "latin1.json").write_bytes(b'{"format": "\xe9"}')
    refusal(cli("sample", "--checkpoint", tmp_path / "latin1.json"), "not UTF-8")
    refusal(cli("sample", "--checkpoint", "/dev/zero"), "bytes allowed")


def test_a_run_too_costly_for_its_engine_is_refused_with_the_estimate():
    result = cli("train", "--engine", "scalar", "--n-embd", "128")
    refusal(result, "cost: one training step", "GB of memory", "use engine fast")
    assert "step" not in result.stdout
