"""Our wheel is reproducible and does not carry the README: the same sources give the same bytes from any copy of the
project (a fresh clone's files all have new dates), and a README edit leaves the wheel, hence the manifest and every
returning visitor's cached Python snapshot (keyed by the manifest), unchanged."""

import hashlib
import shutil
import zipfile

PROJECT_FILES = ["pyproject.toml", "README.md"]


def copy_project(root, target, copy_function):
    shutil.copytree(root / "microgpt", target / "microgpt", copy_function=copy_function,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in PROJECT_FILES:
        copy_function(root / name, target / name)
    return target


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_readme_edit_and_new_file_dates_leave_the_wheel_byte_for_byte_the_same(builder, tmp_path):
    original = copy_project(builder.ROOT, tmp_path / "original", shutil.copy2)   # the work tree's file dates
    first = builder.build_wheel(original, tmp_path / "first")

    edited = copy_project(builder.ROOT, tmp_path / "edited", shutil.copy)       # new dates, as in a fresh clone
    readme = edited / "README.md"
    readme.write_text("# A README rewritten from its first line\n\n" + readme.read_text() + "\nOne more paragraph.\n")
    second = builder.build_wheel(edited, tmp_path / "second")

    assert second.name == first.name
    assert digest(second) == digest(first)


def test_the_wheel_metadata_is_the_short_description_not_the_readme(builder, tmp_path):
    wheel = builder.build_wheel(copy_project(builder.ROOT, tmp_path / "project", shutil.copy2), tmp_path / "out")
    with zipfile.ZipFile(wheel) as archive:
        [metadata] = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
        dates = {info.date_time for info in archive.infolist()}
    assert "Summary: Karpathy's microgpt" in text
    assert "Description-Content-Type" not in text and "## " not in text
    assert dates == {(1980, 1, 1, 0, 0, 0)}
