"""build.py: dist/ is complete and self-contained, its manifest is true, rebuilds are incremental (no pip, no npm when
nothing changed), and the server gives the MIME types the browser insists on."""

import hashlib
import json
import re
import urllib.request
import zipfile

import pytest

from microgpt.session import Session

pytestmark = pytest.mark.smoke     # seconds, and the quick tier's page tests stand on the build

READING_LINK = re.compile(r"""<a href="https://(?:gist\.github\.com/karpathy|karpathy\.github\.io)/[^"]*"[^>]*>""")
RELATIVE_REFERENCE = re.compile(r"""(?:from\s+|\bimport\s*\(\s*|new URL\(\s*|href=|src=)["']([^"']+)["']""")


def test_manifest_lists_every_file_with_its_hash(builder):
    manifest = builder.build()
    dist = builder.DIST
    on_disk = {str(path.relative_to(dist)) for path in dist.rglob("*") if path.is_file()}
    assert on_disk == set(manifest["files"]) | {"manifest.json"}
    for name, facts in manifest["files"].items():
        data = (dist / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == facts["sha256"], name
        assert len(data) == facts["size"], name


def test_dist_holds_the_runtime_micropip_our_wheel_and_our_schema(builder):
    manifest = builder.build()
    dist = builder.DIST
    pinned = json.loads((builder.ROOT / "package.json").read_text())["dependencies"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in pinned.values()), "pin exact versions"
    assert manifest["pyodide"] == pinned["pyodide"]
    for name in builder.PYODIDE_FILES:
        assert (dist / "pyodide" / name).stat().st_size > 0
    wheel = dist / manifest["wheels"]["microgpt"]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"microgpt/session.py", "microgpt/data/names.txt"} <= names
    # micropip, which installs it in the worker, is not in Pyodide's npm package: the build ships the pinned release.
    micropip = dist / manifest["wheels"]["micropip"]
    assert micropip.name == f"micropip-{builder.MICROPIP.split('==')[1]}-py3-none-any.whl"
    with zipfile.ZipFile(micropip) as archive:
        assert "micropip/__init__.py" in archive.namelist()
    assert json.loads((dist / "schema.json").read_text()) == json.loads(Session().handle("schema", "{}"))
    assert (dist / "vendor" / "uPlot.esm.js").exists()


def test_the_page_refers_only_to_relative_paths_inside_dist(builder):
    builder.build()
    dist = builder.DIST
    ours = [path for path in dist.rglob("*")     # the page's own files, in every folder web/ has
            if path.suffix in (".html", ".js") and path.relative_to(dist).parts[0] not in ("pyodide", "vendor")]
    for source in ours:
        # Links a reader follows to read elsewhere (Karpathy's gist and post) load nothing: only they may be absolute.
        text = READING_LINK.sub("", source.read_text())
        assert "http://" not in text and "https://" not in text, f"{source.name} names an absolute URL"
        for reference in RELATIVE_REFERENCE.findall(text):
            if reference.startswith("data:"):
                continue
            assert reference.startswith(("./", "../")), f"{source.name}: {reference} is not relative"
            target = (source.parent / reference).resolve()
            assert target.is_file() and dist.resolve() in target.parents, f"{source.name}: {reference} is not in dist/"


def test_every_source_map_a_shipped_file_names_is_shipped_beside_it(builder):
    """A reader's DevTools fetches the source map a script names; a missing one is a 404 in their console."""
    builder.build()
    dist = builder.DIST
    named = {path.relative_to(dist): name for path in dist.rglob("*") if path.suffix in (".js", ".mjs", ".css")
             for name in re.findall(r"[#@] sourceMappingURL=(\S+?)(?:\s*\*/)?\s*$", path.read_text(), re.M)}
    assert named, "pyodide.mjs names its map: the search found nothing"
    for path, name in named.items():
        assert (dist / path).parent.joinpath(name).is_file(), f"{path} names {name}, which dist/ lacks"


def test_a_rebuild_with_nothing_changed_runs_no_tool_and_touches_no_file(builder, monkeypatch):
    builder.build()
    before = {path: path.stat().st_mtime_ns for path in builder.DIST.rglob("*") if path.is_file()}

    def refuse(*args, **kwargs):
        raise AssertionError(f"an unchanged rebuild ran {args[0]}")

    monkeypatch.setattr(builder.subprocess, "run", refuse)
    builder.build()
    after = {path: path.stat().st_mtime_ns for path in builder.DIST.rglob("*") if path.is_file()}
    assert after == before


@pytest.mark.parametrize("name, mime", [("index.html", "text/html"), ("app.js", "text/javascript"),
                                        ("pyodide/pyodide.mjs", "text/javascript"),
                                        ("pyodide/pyodide.asm.wasm", "application/wasm")])
def test_the_server_sends_the_types_browsers_require(site, name, mime):
    with urllib.request.urlopen(site + name) as response:
        assert response.headers["Content-Type"].split(";")[0] == mime
        assert response.headers["Cache-Control"] == "no-cache"
