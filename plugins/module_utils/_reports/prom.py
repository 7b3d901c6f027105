# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift.prom: Prometheus text exposition for node_exporter's textfile collector.

A value that could not be read is left out, never written as 0: an alert on
``ghes_connect_connected == 0`` must mean "seen disconnected", and ``absent()`` finds the rest.
The verdict is one series per verdict (1 for the appliance's, 0 for the others), so a
series never disappears when an appliance changes verdict.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._reports.model import parse_iso
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import VERDICTS

_METRICS = (
    ('ghes_connect_connected', 'Whether the appliance is connected to GHEC through GitHub Connect (1) or not (0).'),
    ('ghes_license_sync_enabled', 'Whether automatic user license sync is on (1) or off (0).'),
    ('ghes_license_last_sync_timestamp_seconds', 'When GHEC recorded the last license sync of the appliance.'),
    ('ghes_license_last_sync_success', 'Whether that last license sync succeeded (1) or not (0).'),
    ('ghes_connect_verdict', 'The appliance\'s drift verdict: 1 for its verdict, 0 for the others.'),
)


def label_value(value):
    """A label value in the exposition format: backslash, double quote and line feed escaped."""
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def _sample(name, labels, value):
    inner = ','.join('%s="%s"' % (key, label_value(item)) for key, item in labels)
    return '%s{%s} %s' % (name, inner, _number(value))


def _number(value):
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, float) and value.is_integer():
        return '%d' % value
    return repr(value) if isinstance(value, float) else str(value)


def _values(record):
    """``{metric: value}`` of what the record knows; what it does not know is absent."""
    values = {}
    if isinstance(record.get('connected'), bool):
        values['ghes_connect_connected'] = record['connected']
    if isinstance(record.get('license_sync'), bool):
        values['ghes_license_sync_enabled'] = record['license_sync']
    sync = record.get('last_sync') or {}
    moment = parse_iso(sync.get('date'))
    if moment is not None:
        values['ghes_license_last_sync_timestamp_seconds'] = moment.timestamp()
        if sync.get('status'):
            values['ghes_license_last_sync_success'] = sync['status'] == 'success'
    return values


def render(model):
    lines = []
    per_record = [(record, _values(record)) for record in model['appliances']]
    for name, help_text in _METRICS:
        lines += ['# HELP %s %s' % (name, help_text), '# TYPE %s gauge' % name]
        for record, values in per_record:
            appliance = [('appliance', record['appliance'])]
            if name == 'ghes_connect_verdict':
                lines += [_sample(name, appliance + [('verdict', v)], v == record['verdict']) for v in VERDICTS]
            elif name in values:
                lines.append(_sample(name, appliance, values[name]))
    counts = model['counts']['verdicts']
    lines += ['# HELP ghes_connect_drift_check_appliances Appliances of the last drift check, by verdict.',
              '# TYPE ghes_connect_drift_check_appliances gauge']
    lines += [_sample('ghes_connect_drift_check_appliances', [('verdict', v)], counts[v]) for v in VERDICTS]
    lines += ['# HELP ghes_connect_drift_check_timestamp_seconds When the drift check\'s data was read.',
              '# TYPE ghes_connect_drift_check_timestamp_seconds gauge']
    moment = parse_iso(model.get('data_read_at')) or parse_iso(model.get('generated_at'))
    lines.append('ghes_connect_drift_check_timestamp_seconds %s' % _number(moment.timestamp()))
    if model.get('seats') is not None:
        lines += seat_gauges(model['seats'])
    return '\n'.join(lines) + '\n'


def seat_gauges(seats):
    """The seat gauges; when the seats could not be read, only ``ghes_seats_known 0`` (no number is a guess)."""
    lines = ['# HELP ghes_seats_known Whether every page of GHEC\'s consumed licenses was read (1) or not (0).',
             '# TYPE ghes_seats_known gauge', 'ghes_seats_known %s' % _number(bool(seats['known']))]
    if not seats['known']:
        return lines
    for name, help_text, value in (
            ('ghes_seats_purchased', 'Seats purchased (GHEC total_seats_purchased).', seats['purchased']),
            ('ghes_seats_consumed', 'Seats consumed (GHEC total_seats_consumed).', seats['consumed']),
            ('ghes_seats_likely_duplicated', 'Seats likely held twice by one person GitHub could not join (a likely '
                                             'estimate, see the report\'s rules).', seats['likely_duplicates']['count'])):
        lines += ['# HELP %s %s' % (name, help_text), '# TYPE %s gauge' % name, '%s %s' % (name, _number(value))]
    lines += ['# HELP ghes_seats_people People holding a seat, by where they have accounts.',
              '# TYPE ghes_seats_people gauge']
    lines += [_sample('ghes_seats_people', [('deployment', kind)], seats['people'][kind])
              for kind in ('both', 'ghec_only', 'ghes_only', 'neither', 'unclassified')]
    return lines
