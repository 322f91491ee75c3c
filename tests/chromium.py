"""Which Chromium the end-to-end tests and the page benchmarks drive, and with which flags.

The system Chromium when there is one (MICROGPT_CHROMIUM, else `chromium` on PATH, else /usr/bin/chromium): a package
manager keeps it working with the machine's libraries. Without one, Playwright's own download (`python -m playwright
install chromium`, which scripts/test.py runs when needed). Either way the same flags: they let it run as root on a
machine with no network but the loopback, and keep it from phoning home during a measurement.
"""

import os
import pathlib
import shutil

SYSTEM_PATH = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def system_chromium():
    """Path of the system Chromium, or None when the machine has none (then Playwright's own is used)."""
    chosen = os.environ.get("MICROGPT_CHROMIUM")
    if chosen:
        if not pathlib.Path(chosen).is_file():
            raise RuntimeError(f"MICROGPT_CHROMIUM={chosen}: no such file; point it at a Chromium executable "
                               f"or unset it to use the system's or Playwright's Chromium")
        return chosen
    for found in (shutil.which("chromium"), SYSTEM_PATH):
        if found and pathlib.Path(found).is_file():
            return found
    return None


def launch_options():
    """Keyword arguments for Playwright's `chromium.launch`."""
    path = system_chromium()
    return {"args": ARGS, **({"executable_path": path} if path else {})}
