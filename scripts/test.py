"""Run every test, on a fresh machine too: install what is missing, then the page's unit tests and pytest.

    python scripts/test.py [pytest arguments...]      e.g. -x, -k sample, tests/test_cli.py

What a fresh clone lacks, installed only when missing:
- the Python test packages (pytest, Playwright and its pytest plugin, wheel for build.py), with pip;
- a Chromium for the end-to-end tests: the system's from apt-get when we are root on a machine that has apt-get, else
  Playwright's own download (tests/chromium.py says which one the tests then use).
Then `node --test` on tests/js/*.test.mjs (the page's pure modules) and `python -m pytest` with the arguments given.
The exit code is non-zero when either fails. Needs Python 3.10+ and Node.js with npm (build.py installs the npm
packages of package.json itself).
"""

import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from chromium import system_chromium  # noqa: E402  (tests/chromium.py: the Chromium the e2e tests drive)

# Importable module -> the pip package that provides it.
PYTHON_PACKAGES = {"pytest": "pytest", "playwright": "playwright", "pytest_playwright": "pytest-playwright",
                   "wheel": "wheel"}


def say(message):
    print(f"scripts/test.py: {message}", flush=True)


def run(command, **options):
    say("$ " + " ".join(command))
    return subprocess.run(command, cwd=ROOT, stdin=subprocess.DEVNULL, **options).returncode


def install_python_packages():
    missing = [package for module, package in PYTHON_PACKAGES.items() if importlib.util.find_spec(module) is None]
    if missing and run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *missing]) != 0:
        sys.exit(f"scripts/test.py: pip could not install {', '.join(missing)}; install them (a virtual environment "
                 f"avoids a system Python's restrictions) and run this again")


def install_chromium():
    if system_chromium():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        apt = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
        installed = (run(["apt-get", "update", "-qq"], **apt) == 0
                     and run(["apt-get", "install", "-y", "-qq", "chromium"], **apt) == 0)
        if installed and system_chromium():
            return
        say("no Chromium from apt-get; using Playwright's own")
    if run([sys.executable, "-m", "playwright", "install", "chromium"]) != 0:
        sys.exit("scripts/test.py: could not install Playwright's Chromium; install Chromium and set MICROGPT_CHROMIUM "
                 "to its path")


def node_tests():
    """The page's pure modules under Node's built-in test runner (0 when there are none)."""
    files = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests" / "js").glob("*.test.mjs"))
    if not files:
        return 0
    if not shutil.which("node"):
        say("node not found: install Node.js (with npm) to run tests/js and to build the page")
        return 1
    return run(["node", "--test", *files])


def main(pytest_args):
    install_python_packages()
    install_chromium()
    results = {"node --test": node_tests(), "pytest": run([sys.executable, "-m", "pytest", *pytest_args])}
    failed = [name for name, code in results.items() if code != 0]
    if failed:
        say(f"FAILED: {' and '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
