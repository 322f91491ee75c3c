"""The golden run: the scalar engine reproduces the original microgpt bit for bit (../shared/REFERENCE.md).

Runs the CLI exactly as a user would, on ../shared/data/names.txt with every default but the engine. This takes a
few minutes (1000 steps of the scalar engine); it is the proof that the rest stands on.
"""

import json

import pytest

from tests.test_cli import cli


@pytest.mark.slow
def test_scalar_engine_reproduces_the_original(names_path, reference_run, tmp_path):
    log = tmp_path / "log.jsonl"
    result = cli("train", "--data", names_path, "--engine", "scalar", "--log", log)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["num docs: 32033", "vocab size: 27", "num params: 4192"]
    assert lines[3].startswith("step    1 / 1000 | loss 3.3660")
    assert any(line.startswith("step 1000 / 1000 | loss 2.6497") for line in lines)
    losses = [json.loads(line)["loss"] for line in log.read_text().splitlines()]
    assert losses == reference_run["losses"]
    samples = [line.split(": ", 1)[1] for line in lines if line.startswith("sample ")]
    assert samples == reference_run["samples"]
    assert lines[-20] == "sample  1: kamon" and lines[-1] == "sample 20: anton"
