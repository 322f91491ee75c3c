"""The core's layers: each module of microgpt/ imports only modules of lower layers, so there is no cycle and a reader
can take the package bottom up. A module added to microgpt/ must be given its layer here."""

import ast
import importlib
import pathlib

import microgpt

# Lowest first. Modules of one layer do not import each other.
LAYERS = [
    ["engine", "fast_ops", "optim", "data", "config", "watch"],  # foundations: no imports from the package
    ["model", "sample"],                                    # the scalar GPT; sampling with any model
    ["fast", "cost", "insight"],                            # the fast engine, a model's size and cost, insight
    ["train", "checkpoint", "listing", "shapes", "insight_text", "trace", "trace_text"],  # a run, its file, its
    # source, views of the model, a name traced through it
    ["session", "__main__"],                                # the adapters: the page's worker and the CLI
]
LAYER_OF = {name: depth for depth, names in enumerate(LAYERS) for name in names}
PACKAGE = pathlib.Path(microgpt.__file__).parent


def package_imports(path):
    """The package's modules that the file at `path` imports (`from . import x`, `from .x import y`,
    `import microgpt.x`, and any of those inside a function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").startswith("microgpt")):
            module = (node.module or "").removeprefix("microgpt").lstrip(".")
            found.update([module] if module else [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("microgpt."))
    return found


def test_every_module_has_a_layer_and_imports():
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(LAYER_OF), "give each module of microgpt/ its layer in LAYERS (and drop the removed)"
    for name in modules:
        importlib.import_module(f"microgpt.{name}")


def test_each_module_imports_only_lower_layers():
    upward = []
    for name, depth in LAYER_OF.items():
        for imported in package_imports(PACKAGE / f"{name}.py"):
            if LAYER_OF[imported] >= depth:
                upward.append(f"{name} (layer {depth}) imports {imported} (layer {LAYER_OF[imported]})")
    assert not upward, "\n".join(upward)


def test_the_check_sees_every_kind_of_import(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("from . import cost, data\nfrom .model import x\nimport microgpt.fast\n"
                      "def f():\n    from .sample import y\n", encoding="utf-8")
    assert package_imports(source) == {"cost", "data", "model", "fast", "sample"}
