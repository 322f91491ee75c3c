"""Shared test helpers: where the parity data lives, and build.py as a module. The slow tests run first: with
pytest-xdist (scripts/test.py) the golden run then starts at once on one worker while the other runs the rest,
instead of alone at the end."""

import json
import pathlib

import pytest

from tests.site import load_build_module

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


@pytest.fixture(scope="session")
def builder():
    return load_build_module()


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)     # stable: the rest keep their order
