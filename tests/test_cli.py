"""The command line end to end, in a subprocess: train on the built-in data, sample, and every refusal."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

SMALL = ["--num-steps", "30", "--n-embd", "8", "--n-head", "2", "--eval-every", "10", "--eval-docs", "20"]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "microgpt", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=600)


def test_train_on_builtin_data_then_sample_from_the_checkpoint(tmp_path):
    ckpt, log = tmp_path / "m.json", tmp_path / "log.jsonl"
    result = cli("train", *SMALL, "--engine", "scalar", "--num-samples", "5", "--checkpoint", ckpt, "--log", log)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["num docs: 5163", "vocab size: 27", f"num params: {2 * 27 * 8 + 16 * 8 + 12 * 64}"]
    assert lines[3].startswith("step    1 /   30 | loss ")
    assert "| held-out " in lines[12]
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, 31))
    assert f"{records[0]['loss']:.4f}" == lines[3].split("loss ")[1]
    samples = [line.split(": ", 1)[1] for line in lines if line.startswith("sample ")]
    assert len(samples) == 5 and all(set(s) <= set("abcdefghijklmnopqrstuvwxyz") for s in samples)
    # The checkpoint says which data resuming needs, in the words the page uses for the same data.
    assert json.loads(ckpt.read_text())["data_description"].startswith(
        "the built-in data, US census first names (PyPI package names 0.3.0): 5,163 documents (")

    sampled = cli("sample", "--checkpoint", ckpt, "--num-samples", "5")
    assert sampled.returncode == 0, sampled.stderr
    assert [line.split(": ", 1)[1] for line in sampled.stdout.splitlines()[1:]] == samples, \
        "without a sampling seed, sampling continues the run's random stream"
    seeded = [cli("sample", "--checkpoint", ckpt, "--sample-seed", "7", "--prefix", "ma", "--temperature", "0.9").stdout
              for _ in range(2)]
    assert seeded[0] == seeded[1]
    assert all(line.split(": ", 1)[1].startswith("ma") for line in seeded[0].splitlines()[1:])
    other_seed = cli("sample", "--checkpoint", ckpt, "--sample-seed", "8", "--prefix", "ma", "--temperature", "0.9")
    assert other_seed.stdout != seeded[0]
    # The flags' names before --num-samples and --sample-seed still work, with the same meaning.
    old_names = cli("sample", "--checkpoint", ckpt, "--seed", "7", "--prefix", "ma", "--temperature", "0.9",
                    "--num", "3")
    assert old_names.stdout.splitlines() == seeded[0].splitlines()[:4]


def test_help_explains_the_commands():
    result = cli("--help")
    assert result.returncode == 0 and "python -m microgpt train" in result.stdout
    train_help = cli("train", "--help").stdout
    assert "--n-embd" in train_help and "--learning-rate" in train_help and "--checkpoint" in train_help
    assert "--num-samples" in train_help and "training seed" in train_help
    sample_help = cli("sample", "--help").stdout
    assert "--num-samples" in sample_help and "--sample-seed" in sample_help
    assert "--num " not in sample_help and "--seed" not in sample_help, "the old flag names work but are not offered"


def refusal(result, *words):
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_bad_hyperparameters_are_refused():
    refusal(cli("train", "--n-embd", "30"), "n_embd: 30 is not divisible by n_head (4)")
    refusal(cli("train", "--learning-rate", "nan"), "learning_rate: nan is not a finite number")
    refusal(cli("train", "--num-steps", "0"), "num_steps: 0 is too small")
    refusal(cli("train", "--n-embd", "512", "--n-layer", "16"), "parameters is more than")


def test_bad_datasets_are_refused(tmp_path):
    refusal(cli("train", "--data", tmp_path / "nope.txt"), "no such file")
    (tmp_path / "empty.txt").write_text("  \n\n")
    refusal(cli("train", "--data", tmp_path / "empty.txt"), "no documents")
    (tmp_path / "one.txt").write_text("solo\n")
    refusal(cli("train", "--data", tmp_path / "one.txt"), "only 1 document")
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\xff\x00")
    refusal(cli("train", "--data", tmp_path / "bin.txt"), "not UTF-8")


def test_bad_checkpoints_and_prefixes_are_refused(tmp_path):
    refusal(cli("sample", "--checkpoint", tmp_path / "missing.json"), "no such file")
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    refusal(cli("sample", "--checkpoint", tmp_path / "bad.json"), "not a microgpt checkpoint")
    ckpt = tmp_path / "m.json"
    assert cli("train", "--num-steps", "2", "--engine", "scalar", "--checkpoint", ckpt).returncode == 0
    refusal(cli("sample", "--checkpoint", ckpt, "--prefix", "X1"), "not in the vocabulary", "abcdefghijklmnopqrstuvwxyz")
    refusal(cli("sample", "--checkpoint", ckpt, "--temperature", "0"), "temperature")
    refusal(cli("sample", "--checkpoint", ckpt, "--num-samples", "many"), "num_samples: 'many' is not a whole number")
    refusal(cli("sample", "--checkpoint", ckpt, "--sample-seed", "-1"), "sample_seed: -1 is too small")
    refusal(cli("train", "--resume", ckpt, "--seed", "3"), "drop --seed")


@pytest.mark.slow
def test_resume_at_500_equals_uninterrupted_1000_steps(tmp_path):
    straight_log, resumed_log = tmp_path / "straight.jsonl", tmp_path / "resumed.jsonl"
    straight = cli("train", "--checkpoint", tmp_path / "straight.json", "--log", straight_log)
    assert straight.returncode == 0, straight.stderr
    half = cli("train", "--stop-after", "500", "--checkpoint", tmp_path / "half.json", "--log", resumed_log)
    assert half.returncode == 0, half.stderr
    resumed = cli("train", "--resume", tmp_path / "half.json", "--checkpoint", tmp_path / "resumed.json",
                  "--log", resumed_log)
    assert resumed.returncode == 0, resumed.stderr
    losses = lambda path: [json.loads(line)["loss"] for line in path.read_text().splitlines()]
    assert losses(resumed_log) == losses(straight_log) and len(losses(straight_log)) == 1000
    final = lambda path: json.loads(path.read_text())["weights"]
    assert final(tmp_path / "resumed.json") == final(tmp_path / "straight.json")
    samples = lambda out: [line for line in out.splitlines() if line.startswith("sample ")]
    assert samples(resumed.stdout) == samples(straight.stdout)


def test_default_engine_is_fast_and_starts_like_the_original(names_path, reference_run, tmp_path):
    result = cli("train", "--data", names_path, "--stop-after", "3", "--num-samples", "1",
                 "--checkpoint", tmp_path / "m.json")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "m.json").read_text())["config"]["engine"] == "fast"
    lines = result.stdout.splitlines()
    expected = [f"step {k:4d} / 1000 | loss {reference_run['losses'][k - 1]:.4f}" for k in (1, 2, 3)]
    assert lines[3:6] == expected
