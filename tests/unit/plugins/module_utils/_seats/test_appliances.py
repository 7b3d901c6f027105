# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seats per appliance: the host part of each account, matched to the inventory, and how old its numbers are."""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._seats.appliances import host_of, per_appliance
from ansible_collections.ghes.connect.tests.unit.plugins.module_utils._seats.fakes import NOW, people, row

DAY = 86400


def sync(host, days, status='success', server_id='s1'):
    dates = {1: '2026-12-06T12:00:00Z', 30: '2026-11-07T12:00:00Z'}
    return {'server_id': server_id, 'hostname': host, 'last_sync': {'date': dates[days], 'status': status, 'error': ''}}


def test_host_of():
    assert host_of('GHES-1.Example.com.:42') == 'ghes-1.example.com'
    assert host_of('no-colon') is None


def test_users_are_counted_per_host_and_named_as_the_inventory_names_them():
    crowd = people(row('a', ids=['GHES-1.example.com:1', 'ghes-2.example.com:9'], ghec=True, ghes=True),
                   row(ids=['ghes-1.example.com:2'], ghes=True), row(ids=['old.example.com:3'], ghes=True))
    inventory = [{'appliance': 'ams', 'hostname': 'ghes-1.example.com'}, {'appliance': 'fra', 'hostname': 'ghes-2.example.com.'},
                 {'appliance': 'lon', 'hostname': 'ghes-3.example.com'}, {'appliance': 'nyc', 'hostname': None}]
    status = {'observed_at': NOW, 'server_instances': [sync('ghes-1.example.com', 1), sync('ghes-2.example.com', 30),
                                                       sync('old.example.com', 1)]}
    where = per_appliance(crowd, inventory, status, 8 * DAY)
    by_host = dict((a['host_name'], a) for a in where['appliances'])
    assert (by_host['ghes-1.example.com']['users'], by_host['ghes-1.example.com']['ghes_only']) == (2, 1)
    assert by_host['ghes-1.example.com']['inventory'] == ['ams'] and by_host['ghes-1.example.com']['note'] is None
    assert by_host['ghes-2.example.com']['sync_state'] == 'stale'
    assert 'seats are as of that date' in by_host['ghes-2.example.com']['note']
    assert by_host['ghes-3.example.com']['users'] == 0 and by_host['ghes-3.example.com']['sync_state'] == 'never'
    assert 'never synced' in by_host['ghes-3.example.com']['note']
    assert by_host['old.example.com']['inventory'] == [] and 'not in the inventory' in by_host['old.example.com']['note']
    assert [u['appliance'] for u in where['unidentified']] == ['nyc']
    assert [(s['host_name'], s['since']) for s in where['not_heard_from']] == [
        ('ghes-2.example.com', '2026-11-07T12:00:00Z'), ('ghes-3.example.com', None)]


def test_a_failed_last_sync_means_the_seats_are_older_than_its_date():
    status = {'observed_at': NOW, 'server_instances': [sync('h.example.com', 1, status='failure')]}
    entry = per_appliance(people(row(ids=['h.example.com:1'], ghes=True)), [], status, 8 * DAY)['appliances'][0]
    assert entry['sync_state'] == 'failed' and 'earlier sync, before that date' in entry['note']


def test_without_ghec_s_clock_the_age_is_unknown_not_fresh():
    status = {'observed_at': None, 'server_instances': [sync('h.example.com', 1)]}
    where = per_appliance(people(row(ids=['h.example.com:1'], ghes=True)), [], status, 8 * DAY)
    assert where['appliances'][0]['sync_state'] is None and 'clock could not be read' in where['appliances'][0]['note']


def test_two_servers_under_one_name_leave_the_age_unknown():
    status = {'observed_at': NOW, 'server_instances': [sync('h.example.com', 1, server_id='s1'),
                                                       sync('h.example.com', 30, server_id='s2')]}
    entry = per_appliance(people(row(ids=['h.example.com:1'], ghes=True)), [], status, 8 * DAY)['appliances'][0]
    assert entry['sync_state'] == 'unknown' and 'records of 2 servers' in entry['note']
