# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Properties of the one comparison over states of every mix of known and unknown facts: no verdict is
``in_sync`` when a fact it needs is unknown, and no report format shows a value the record holds unknown."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import OK, parse_time, sync_health
from ansible_collections.ghes.connect.plugins.module_utils._reports import html, markdown, prom
from ansible_collections.ghes.connect.plugins.module_utils._reports.model import build
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import assess, assessed_record
from ansible_collections.ghes.connect.plugins.module_utils._state.states import ConnectState, LicenseSyncState
from ansible_collections.ghes.connect.tests.unit.plugins.shapes import SHAPES, iso_dates

MAX_AGE = 7 * 86400
PYTHON_LITERAL = re.compile(r'\b(None|True|False)\b')   # an unknown (or any) value shown as Python would
OBSERVED_AT = '2026-12-01T12:00:00+00:00'


@st.composite
def gathered(draw):
    """A ``gather`` result whose facts are each known or unknown (with a reason), as the parsers leave them."""
    connected = draw(st.sampled_from([True, False, None]))
    enabled = draw(st.sampled_from([True, False, None]))
    last_sync = draw(st.one_of(st.none(), st.fixed_dictionaries({
        'date': iso_dates(), 'status': st.sampled_from(['success', 'failure', None]), 'error': st.none()})))
    connect_unknown = [] if connected is not None else [{'field': 'connect.connected', 'reason': 'GHEC does not say'}]
    sync_unknown = [] if enabled is not None else [{'field': 'license_sync.enabled', 'reason': 'nothing read says'}]
    if draw(st.booleans()):
        sync_unknown.append({'field': 'license_sync.last_sync', 'reason': 'records of several servers'})
    info = {'url': 'https://ghes.example.com', 'version': '3.14.2', 'version_supported': True, 'sources': {},
            'problems': [], 'unknown': [], 'hostname': 'ghes.example.com',
            'license': {'connect_permitted': draw(st.sampled_from([True, False, None]))},
            'maintenance': draw(st.sampled_from([True, False, None])),
            'connect': ConnectState(connected=connected, status='unknown' if connected is None else 'connected',
                                    unknown=connect_unknown),
            'license_sync': LicenseSyncState(enabled=enabled, last_sync=last_sync, observed_at=OBSERVED_AT,
                                             unknown=sync_unknown)}
    return info


@SHAPES
@given(gathered(), st.booleans())
def test_no_verdict_is_in_sync_when_a_fact_it_needs_is_unknown(info, license_sync_wanted):
    desired = {'connected': True, 'license_sync': license_sync_wanted}
    record = assessed_record('ghes', info, assess(info, desired, 'acme', MAX_AGE))
    if record.verdict != 'in_sync':
        return
    assert record.unknown == () and info['connect'].connected is True
    if license_sync_wanted:
        sync = info['license_sync']
        assert sync.enabled is True and 'license_sync.last_sync' not in sync.unknown
        assert sync_health(sync.last_sync, parse_time(OBSERVED_AT), MAX_AGE)['state'] == OK


@SHAPES
@given(gathered())
def test_no_report_format_shows_a_value_the_record_holds_unknown(info):
    desired = {'connected': True, 'license_sync': True, 'max_sync_age': '7d'}
    record = assessed_record('ghes', info, assess(info, desired, 'acme', MAX_AGE))
    model = build([record.to_dict()], desired, enterprise='acme', generated_at=parse_time(OBSERVED_AT), read_at=parse_time(OBSERVED_AT))
    samples = prom.render(model).splitlines()
    if record.connected is None:
        assert not [s for s in samples if s.startswith('ghes_connect_connected{')]
    if record.license_sync is None:
        assert not [s for s in samples if s.startswith('ghes_license_sync_enabled{')]
    for rendered in (markdown.render(model), html.render(model)):
        assert not PYTHON_LITERAL.search(rendered), PYTHON_LITERAL.search(rendered)
