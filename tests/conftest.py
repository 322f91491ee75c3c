"""Shared test helpers: where the parity data lives, and a tiny config for fast unit tests."""

import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NAMES = SHARED / "data" / "names.txt"
REFERENCE = SHARED / "data" / "reference_run.json"


@pytest.fixture(scope="session")
def reference_run():
    if not REFERENCE.exists():
        pytest.skip(f"parity data not found at {REFERENCE} (../shared beside the repo)")
    return json.loads(REFERENCE.read_text())


@pytest.fixture(scope="session")
def names_path():
    if not NAMES.exists():
        pytest.skip(f"parity dataset not found at {NAMES} (../shared beside the repo)")
    return NAMES
