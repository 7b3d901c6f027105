# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scripted-HTTP fixture of the action plugin tests: no test here reaches a network."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import Script, clean_environment, install


@pytest.fixture
def script(monkeypatch, tmp_path):
    """The expected calls of this test (``script.expect(...)``); checked after the test: none left, none refused."""
    scripted = Script()
    install(scripted, monkeypatch)
    clean_environment(monkeypatch, tmp_path / 'state')
    yield scripted
    scripted.check()
