"""Build and serve the static page.

`python build.py` assembles `dist/`: the page from `web/`, the Pyodide runtime and uPlot from npm (versions pinned in
package.json), the micropip wheel (pip downloads Pyodide's release of it once), a wheel of our own `microgpt` package
(which the worker installs with micropip) and the settings schema it describes, plus `manifest.json` (every file with
its sha256) so the worker can find the wheels and caches (files, Python's memory snapshot) can be busted. Nothing is
fetched at run time: `dist/` is complete.
Each step is skipped when its inputs have not changed, so rebuilds are fast and work offline once fetched.

`python build.py serve [--port N]` builds, then serves `dist/` on localhost. Tests import `build()` and `serve()`.
"""

import argparse
import functools
import hashlib
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
CACHE = ROOT / ".cache"
NODE_MODULES = ROOT / "node_modules"

MICROPIP = "micropip==0.11.1"

# The files loadPyodide fetches (seen in the e2e request log), and the source map pyodide.mjs names (a reader's DevTools
# fetches it, and logs a 404 when it is missing); the rest of the npm package is not needed at run time.
PYODIDE_FILES = ["pyodide.mjs", "pyodide.mjs.map", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json"]
VENDOR_FILES = {"uplot/dist/uPlot.esm.js": "vendor/uPlot.esm.js", "uplot/dist/uPlot.min.css": "vendor/uPlot.min.css",
                "uplot/LICENSE": "vendor/uPlot.LICENSE",
                # Syntax highlighting for the Code panel: the core and the Python grammar as ES modules, no theme
                # (style.css colours the tokens with the page's own variables).
                "@highlightjs/cdn-assets/es/core.min.js": "vendor/highlight/core.min.js",
                "@highlightjs/cdn-assets/es/languages/python.min.js": "vendor/highlight/python.min.js",
                "@highlightjs/cdn-assets/LICENSE": "vendor/highlight/LICENSE"}
# What goes into our wheel: a change to any of these rebuilds it.
WHEEL_SOURCES = ["pyproject.toml", "microgpt"]


def log(message):
    print(f"build: {message}", file=sys.stderr, flush=True)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_hash(paths):
    """One hash over the names and contents of files, so a cache entry is keyed by exactly what went into it."""
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path] if path.exists() else []
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + sha256(file).encode())
    return digest.hexdigest()


def ensure_node_modules():
    """npm install when package.json or the lockfile changed since the last install."""
    inputs = [ROOT / "package.json", ROOT / "package-lock.json"]
    key = tree_hash(inputs)
    stamp = NODE_MODULES / ".microgpt-stamp"
    if stamp.exists() and stamp.read_text() == key:
        return
    command = ["npm", "ci"] if (ROOT / "package-lock.json").exists() else ["npm", "install"]
    log(" ".join(command))
    subprocess.run(command + ["--no-audit", "--no-fund"], cwd=ROOT, check=True)
    stamp.write_text(key)


def ensure_micropip():
    """Pyodide's micropip wheel is not in the npm package; pip downloads the same release, for Python 3.14, once."""
    folder = CACHE / "micropip"
    wheels = sorted(folder.glob("micropip-*.whl"))
    if wheels:
        return wheels[0]
    log(f"downloading {MICROPIP}")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--python-version", "3.14",
                    "--only-binary=:all:", MICROPIP, "-d", str(folder)], check=True)
    return sorted(folder.glob("micropip-*.whl"))[0]


def _can_build_without_isolation():
    """True if the installed setuptools can make wheels itself, which keeps wheel builds offline."""
    import setuptools
    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


# The settings table as Python's Config describes it, so the page can draw its form before Pyodide has loaded.
SCHEMA_SCRIPT = ("import sys; sys.path.insert(0, sys.argv[1]); from microgpt.session import Session; "
                 "print(Session().handle('schema', '{}'))")


# Every zip entry of our wheel gets this date instead of its file's, so the wheel's bytes depend only on its contents
# (and a fresh clone, whose files all have new dates, builds the same wheel): 1980-01-01, the earliest a zip can hold.
WHEEL_DATE_EPOCH = "315532800"


def build_wheel(root, out):
    """Build microgpt's wheel from `root` (a folder with pyproject.toml and microgpt/) into `out`; returns its path.

    The same sources give the same bytes. The wheel's metadata is pyproject's short description, not the README, so a
    README edit changes neither the wheel nor the manifest (nor the visitors' cached Python snapshot, keyed by it)."""
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out)]
    if _can_build_without_isolation():
        command.append("--no-build-isolation")
    subprocess.run(command + [str(root)], check=True, env={**os.environ, "SOURCE_DATE_EPOCH": WHEEL_DATE_EPOCH})
    return sorted(Path(out).glob("microgpt-*.whl"))[0]


def ensure_our_wheel():
    """Build microgpt's wheel and its schema.json from a copy of its sources, keyed by their hash.

    The copy keeps pip's build/ and egg-info out of the work tree. Returns (wheel path, schema path)."""
    key = tree_hash([ROOT / name for name in WHEEL_SOURCES])[:16]
    folder = CACHE / "wheel" / key
    wheels = sorted(folder.glob("microgpt-*.whl"))
    if wheels and (folder / "schema.json").exists():
        return wheels[0], folder / "schema.json"
    log("building the microgpt wheel")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(ROOT / "microgpt", source / "microgpt",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copy2(ROOT / "pyproject.toml", source)
        built = build_wheel(source, Path(tmp) / "out")
        schema = subprocess.run([sys.executable, "-c", SCHEMA_SCRIPT, str(source)], check=True,
                                capture_output=True, text=True).stdout
        json.loads(schema)
        shutil.rmtree(CACHE / "wheel", ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / "schema.json").write_text(schema)
        return Path(shutil.copy2(built, folder)), folder / "schema.json"


def _copy_if_changed(source, target):
    if target.exists() and target.stat().st_size == source.stat().st_size \
            and target.stat().st_mtime_ns == source.stat().st_mtime_ns:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def build(dist=DIST):
    """Assemble `dist` and return its manifest. Files in `dist` that the plan does not name are removed."""
    ensure_node_modules()
    pyodide_dir = NODE_MODULES / "pyodide"
    plan = {f"pyodide/{name}": pyodide_dir / name for name in PYODIDE_FILES}
    plan.update({target: NODE_MODULES / source for source, target in VENDOR_FILES.items()})
    plan.update({str(p.relative_to(ROOT / "web")): p for p in (ROOT / "web").rglob("*") if p.is_file()})
    our_wheel, schema = ensure_our_wheel()
    plan["schema.json"] = schema
    wheels = {}
    for name, wheel in (("micropip", ensure_micropip()), ("microgpt", our_wheel)):
        # A wheel keeps the file name pip gave it (micropip reads its metadata from it); its hash names the folder.
        wheels[name] = f"wheels/{sha256(wheel)[:16]}/{wheel.name}"
        plan[wheels[name]] = wheel

    for target, source in plan.items():
        _copy_if_changed(source, dist / target)
    for stale in [p for p in dist.rglob("*") if p.is_file() and str(p.relative_to(dist)) not in plan]:
        if stale.name != "manifest.json":
            stale.unlink()
    for folder in sorted((p for p in dist.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()

    pyodide_version = json.loads((pyodide_dir / "package.json").read_text())["version"]
    manifest = {
        "pyodide": pyodide_version,
        "wheels": wheels,
        "files": {target: {"sha256": sha256(dist / target), "size": (dist / target).stat().st_size}
                  for target in sorted(plan)},
    }
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    manifest_path = dist / "manifest.json"
    if not manifest_path.exists() or manifest_path.read_text() != text:
        manifest_path.write_text(text)
    log(f"{dist} is ready ({len(plan)} files, Pyodide {pyodide_version}, {Path(wheels['microgpt']).name})")
    return manifest


class _Handler(http.server.SimpleHTTPRequestHandler):
    # Revalidate every time, so a rebuilt page is never hidden behind a browser cache.
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
                      ".json": "application/json", ".whl": "application/zip"}

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that navigates away mid-download resets the connection; that is not an error of the site.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def serve(dist=DIST, port=0, host="127.0.0.1"):
    """Serve `dist` from a daemon thread; returns the server (its URL is `url(server)`; stop with `.shutdown()`)."""
    handler = functools.partial(_Handler, directory=str(dist))
    server = _Server((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="dist-server").start()
    return server


def url(server):
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("build", help="assemble dist/ (the default)")
    serve_parser = commands.add_parser("serve", help="build, then serve dist/ on localhost")
    serve_parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free)")
    args = parser.parse_args(argv)
    build()
    if args.command == "serve":
        server = serve(port=args.port)
        print(f"microgpt is served at {url(server)}  (Ctrl+C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            server.shutdown()


if __name__ == "__main__":
    main()
