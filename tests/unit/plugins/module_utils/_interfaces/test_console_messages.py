# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Console messages quote the page's flash once, as one sentence (no "password.." endings)."""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._interfaces.console import _flash
from ansible_collections.ghes.connect.plugins.module_utils._transport.html_forms import Page

PAGE = '''<html><body>
<div class="flash flash-error">Incorrect username or password.</div>
<div class="flash flash-error">Try again later. </div>
</body></html>'''


def test_flash_ends_without_its_own_period_so_the_sentence_has_one():
    message = 'The console on X refused the sign-in%s.' % _flash(Page(PAGE))
    assert message == 'The console on X refused the sign-in: Incorrect username or password; Try again later.'
    assert '..' not in message


def test_no_flash_adds_nothing():
    assert _flash(Page('<html><body><p>fine</p></body></html>')) == ''
