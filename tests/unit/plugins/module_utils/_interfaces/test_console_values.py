# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Connect page's values in shapes nobody wrote: a switch, a feature or a target the page does not state is
unknown (left out, or None), never "off" or GitHub.com by default."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import ConsoleLayoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.console import ConsoleClient
from ansible_collections.ghes.connect.plugins.module_utils._transport.html_forms import Page
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import SHAPES

ABSENT = object()
RELEASES = ('3.11.9', '3.13.3', '3.14.2', '3.17.1')


class NoHttp:
    base_url = 'https://ghes.example.com'


def client(release):
    return ConsoleClient(NoHttp(), 'admin', 'pw', 'acme', GhesVersion(release))


def attribute(name, value):
    return '' if value is ABSENT else ' %s="%s"' % (name, value)


def select_switch(selected):
    options = ''.join('<option value="%s"%s>%s</option>' % (v, ' selected' if v == selected else '', v)
                      for v in ('enabled', 'disabled'))
    return ('<label for="s">Server can sync user license count and usage</label><form action="/sync" method="post">'
            '<select name="license_usage_sync" id="s">%s</select><button type="submit">Save</button></form>' % options)


def button_switch(button):
    return ('<h3>License sync</h3><form action="/sync" method="post"><input type="hidden" name="license_usage_sync" '
            'value="x"><button type="submit">%s</button></form>' % button)


def connected_page(target, enabled, switch):
    return ('<html><body><div data-connected-account="acme"%s></div><div data-feature="unified_search"%s></div>%s'
            '</body></html>' % (attribute('data-connection-target', target), attribute('data-enabled', enabled), switch))


@SHAPES
@given(st.sampled_from(RELEASES), st.sampled_from([ABSENT, '', 'github_com', 'ghe_com']),
       st.sampled_from([ABSENT, '', 'true', 'false', 'TRUE', 'yes', '1']),
       st.sampled_from([ABSENT, None, 'enabled', 'disabled', 'Enable', 'Disable', 'on', '']))
def test_the_connect_page_reports_only_the_values_it_states(release, target, enabled, sync):
    console = client(release)
    select = console.layout.license_sync.kind == 'select'
    switch = '' if sync is ABSENT else select_switch(sync) if select else button_switch(sync)
    try:
        state = console._read_connect(Page(connected_page(target, enabled, switch)))
    except ConsoleLayoutError as exc:
        # A switch shown without a control the route table knows: said, with the manual instruction.
        assert not select and sync not in ('Enable', 'Disable') and 'License sync' in exc.message
        return
    assert state.status == 'connected' and state.account == 'acme'
    if target not in (ABSENT, ''):
        assert state.target == target
    else:
        assert state.target == (None if GhesVersion(release).has('ghe_com_target') else 'github_com')
    if enabled in ('true', 'false'):
        assert state.features['unified_search'] is (enabled == 'true')
    else:
        assert 'unified_search' not in state.features
    said = {'enabled': True, 'disabled': False} if select else {'Disable': True, 'Enable': False}
    if sync in said:
        assert state.features['license_usage_sync'] is said[sync]
    else:
        assert 'license_usage_sync' not in state.features


def test_a_form_offering_both_enable_and_disable_is_no_reading():
    # The button offers the opposite of the state: a form with both was read as enabled (Disable found first).
    releases = [r for r in RELEASES if client(r).layout.license_sync.kind != 'select']
    assert releases, 'a release whose Connect page switches license sync with a button'
    for release in releases:
        both = button_switch('Enable</button><button type="submit">Disable')
        state = client(release)._read_connect(Page(connected_page('github_com', 'true', both)))
        assert 'license_usage_sync' not in state.features, (release, state.features)


def test_a_select_with_no_option_selected_is_not_disabled():
    console = client('3.13.3')
    html = connected_page('github_com', 'true', select_switch(None)).replace(' selected', '')
    assert 'license_usage_sync' not in console._read_connect(Page(html)).features
