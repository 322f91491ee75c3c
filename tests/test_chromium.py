"""Which Chromium the browser tests launch: the system's when there is one, else Playwright's own."""

import pytest

from tests import chromium


def test_the_chosen_chromium_is_launched_with_the_shared_flags(tmp_path, monkeypatch):
    executable = tmp_path / "chromium"
    executable.write_text("")
    monkeypatch.setenv("MICROGPT_CHROMIUM", str(executable))
    assert chromium.launch_options() == {"executable_path": str(executable), "args": chromium.ARGS}


def test_a_wrong_chromium_path_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("MICROGPT_CHROMIUM", str(tmp_path / "nope"))
    with pytest.raises(RuntimeError, match="MICROGPT_CHROMIUM=.*nope: no such file"):
        chromium.launch_options()


def test_without_a_system_chromium_playwright_uses_its_own(monkeypatch, tmp_path):
    monkeypatch.delenv("MICROGPT_CHROMIUM", raising=False)
    monkeypatch.setattr(chromium.shutil, "which", lambda name: str(tmp_path / "not-installed"))
    monkeypatch.setattr(chromium, "SYSTEM_PATH", str(tmp_path / "not-installed-either"))
    assert chromium.launch_options() == {"args": chromium.ARGS}
