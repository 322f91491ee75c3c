"""Run every test, on a fresh machine too: install what is missing, then the page's unit tests and pytest.

    python scripts/test.py [--quick] [pytest arguments...]      e.g. -x, -k sample, tests/test_cli.py, -n 0

What a fresh clone lacks, installed only when missing:
- the Python test packages (pytest, pytest-xdist, Playwright and its pytest plugin, wheel for build.py, selenium for
  WebKit), with pip;
- a Chromium for the end-to-end tests: the system's from apt-get when we are root on a machine that has apt-get, else
  Playwright's own download (tests/chromium.py says which one the tests then use);
- Firefox and WebKit for tests/e2e/test_engines.py (firefox-esr, webkit2gtk-driver, xvfb), from apt-get when we are
  root on a machine that has it; elsewhere those tests are skipped, saying what to install.
Then `node --test` on tests/js/*.test.mjs (the page's pure modules) and `python -m pytest` with the arguments given,
on two pytest-xdist workers, each test file on one worker (so a file's shared page starts once; `-n 0` runs in this
process). The slow tests are handed out first (tests/conftest.py): the golden run takes one worker from the start.
--quick is the tier to run while working: the node tests, every test but the slow and the end-to-end ones, and the
few end-to-end tests marked `smoke` (the build, a first visit, the page's training equal to native CPython's).
The exit code is non-zero when either fails. Needs Python 3.10+ and Node.js with npm (build.py installs the npm
packages of package.json itself). Measured times of both tiers: docs/benchmarks.md, "Test suite".
"""

import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Importable module -> the pip package that provides it.
PYTHON_PACKAGES = {"pytest": "pytest", "xdist": "pytest-xdist", "playwright": "playwright",
                   "pytest_playwright": "pytest-playwright", "wheel": "wheel", "selenium": "selenium"}
# The engines of tests/e2e/test_engines.py: a file that shows one is installed -> its Debian package.
ENGINE_PACKAGES = {"/usr/bin/firefox-esr": "firefox-esr", "/usr/bin/WebKitWebDriver": "webkit2gtk-driver",
                   "/usr/bin/Xvfb": "xvfb"}
# In the order collected (tests/conftest.py: the slow first): by default pytest-xdist hands out the files with the
# most tests first, which left the one-test golden run (minutes) to start near the end.
PARALLEL = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]
QUICK = ["-m", "smoke or not (slow or browser)"]


def system_chromium():
    """tests/chromium.py's answer (the Chromium the e2e tests drive), loaded by path: this script runs before pytest,
    from scripts/, where the tests package is not importable."""
    spec = importlib.util.spec_from_file_location("chromium", ROOT / "tests" / "chromium.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.system_chromium()


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


def can_apt_get():
    return bool(shutil.which("apt-get")) and hasattr(os, "geteuid") and os.geteuid() == 0


def apt_get_install(packages):
    """True when apt-get installed `packages` (after updating its lists)."""
    apt = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    return (run(["apt-get", "update", "-qq"], **apt) == 0
            and run(["apt-get", "install", "-y", "-qq", *packages], **apt) == 0)


def install_chromium():
    if system_chromium():
        return
    if can_apt_get():
        if apt_get_install(["chromium"]) and system_chromium():
            return
        say("no Chromium from apt-get; using Playwright's own")
    if run([sys.executable, "-m", "playwright", "install", "chromium"]) != 0:
        sys.exit("scripts/test.py: could not install Playwright's Chromium; install Chromium and set MICROGPT_CHROMIUM "
                 "to its path")


def install_engines():
    missing = [package for path, package in ENGINE_PACKAGES.items() if not pathlib.Path(path).is_file()]
    if not missing:
        return
    if not can_apt_get() or not apt_get_install(missing):
        say(f"no {', '.join(missing)}: the Firefox and WebKit tests that need them are skipped")


def node_tests():
    """The page's pure modules under Node's built-in test runner (0 when there are none)."""
    files = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests" / "js").glob("*.test.mjs"))
    if not files:
        return 0
    if not shutil.which("node"):
        say("node not found: install Node.js (with npm) to run tests/js and to build the page")
        return 1
    return run(["node", "--test", *files])


def main(args):
    quick = "--quick" in args
    pytest_args = [*PARALLEL, *(QUICK if quick else []), *(arg for arg in args if arg != "--quick")]
    install_python_packages()
    install_chromium()
    install_engines()
    results = {"node --test": node_tests(), "pytest": run([sys.executable, "-m", "pytest", *pytest_args])}
    failed = [name for name, code in results.items() if code != 0]
    if failed:
        say(f"FAILED: {' and '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
