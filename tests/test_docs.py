"""The documents keep their word: every relative link in README.md and docs/*.md reaches a file of the repository (and
a heading, when it names one), every test a document names as `tests/FILE::NAME` exists in that file, and the README
stays a README (measurements, promises and the layout have their own documents in docs/)."""

import re
import unicodedata

import pytest

from tests.conftest import ROOT

README_MAX_LINES = 150
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
TEST_REFERENCE = re.compile(r"`(tests/[^`:]+)::([^`]+)`")
CODE = re.compile(r"```.*?```", re.DOTALL)


def prose(document):
    """The document without its fenced code blocks, where a `](…)` is code, not a link."""
    return CODE.sub("", document.read_text())


def anchors(document):
    """GitHub's ids for a document's headings: lower case, punctuation dropped, spaces as hyphens."""
    ids = set()
    for heading in re.findall(r"^#+\s+(.*)$", prose(document), re.MULTILINE):
        text = "".join(c for c in heading.lower() if c in " -_" or unicodedata.category(c)[0] in "LN")
        ids.add(text.replace(" ", "-"))
    return ids


def relative_links(document):
    return [link for link in LINK.findall(prose(document)) if not re.match(r"[a-z]+:", link)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_reach_a_file_and_heading(document):
    for link in relative_links(document):
        path, _, anchor = link.partition("#")
        target = (document.parent / path).resolve() if path else document
        assert target.exists(), f"{document.name}: {link} names no file"
        if anchor:
            assert anchor in anchors(target), f"{document.name}: {link} names no heading of {target.name}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_named_tests_exist(document):
    for file, name in TEST_REFERENCE.findall(document.read_text()):
        path = ROOT / file
        assert path.is_file(), f"{document.name}: {file} does not exist"
        source = path.read_text()
        found = f"def {name}(" in source if path.suffix == ".py" else f'test("{name}"' in source
        assert found, f"{document.name}: {file} has no test {name!r}"


def test_the_checks_find_what_they_look_for():
    """The patterns see the links and test names the documents use (a pattern that matches nothing checks nothing)."""
    reliability = ROOT / "docs" / "reliability.md"
    assert "benchmarks.md#soak" in relative_links(reliability)
    assert len(TEST_REFERENCE.findall(reliability.read_text())) > 50
    assert "the-page-and-its-worker" in anchors(reliability)


def test_the_readme_stays_short():
    lines = len((ROOT / "README.md").read_text().splitlines())
    assert lines <= README_MAX_LINES, (f"README.md has {lines} lines, more than {README_MAX_LINES}: put the detail in "
                                       "docs/ (benchmarks.md, reliability.md, architecture.md) and link to it")
