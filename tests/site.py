"""build.py as a module, for the tests and the benchmarks that build and serve dist/ (one loader for both)."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_build_module():
    """build.py by path: a plain `import build` could find the PyPI package of that name instead."""
    spec = importlib.util.spec_from_file_location("microgpt_build", ROOT / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
