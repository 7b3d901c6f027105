# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seats per appliance, each appliance named as the inventory names it, and how old its numbers are.

GHEC names a GHES account ``HOST:ID`` (``enterprise_server_user_ids``); the host part is the
host name the appliance syncs under, the same name GHEC lists its installation and its
license-sync record by. It is matched to the inventory with the collection's identity rules
(``_ghec/identity``: the name the appliance is configured with, or the ``hostname`` option;
no letter case, no trailing dot), never with the address the controller reaches it at.

GHEC counts an appliance's users as of its last sync (or upload). An appliance whose last
sync is older than ``max_sync_age``, failed, or never happened is named, with the date its
seats are as of: its users may have changed since.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import choose_sync_record, normalise
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import (
    FAILED,
    NEVER,
    OK,
    STALE,
    parse_time,
    sync_health,
    unknown_health,
)


def host_of(user_id):
    """The normalised host part of ``HOST:ID`` (None when there is none)."""
    host, colon, _number = user_id.rpartition(':')
    return normalise(host) if colon else None


def inventory_names(inventory):
    """``({host name: [appliance names]}, [{appliance, reason}] of those with no known host name)``.

    ``inventory`` items are ``{appliance or name, hostname}`` (drift records qualify as they are).
    """
    by_host, unidentified = {}, []
    for item in inventory or []:
        name = item.get('appliance') if item.get('appliance') is not None else item.get('name')
        host = normalise(item.get('hostname'))
        if host is None:
            unidentified.append({'appliance': name, 'reason': 'its GHEC host name is not known (its drift record says '
                                                              'why), so none of GHEC\'s seats can be attributed to it'})
        else:
            by_host.setdefault(host, []).append(name)
    return by_host, unidentified


def per_appliance(people, inventory, sync_status, max_age):
    """``{appliances: [...], unidentified: [...], not_heard_from: [...]}`` (see the module's RETURN)."""
    counts = {}
    for person in people:
        hosts = {}
        for user_id in person.server_ids:
            host = host_of(user_id)
            hosts[host] = hosts.get(host, 0) + 1
        for host, accounts in hosts.items():
            entry = counts.setdefault(host, [0, 0, 0])
            entry[0] += 1
            entry[1] += accounts
            entry[2] += person.kind == 'ghes_only'
    by_host, unidentified = inventory_names(inventory)
    records = {}
    for record in sync_status['server_instances']:
        records.setdefault(normalise(record.get('hostname')), []).append(record)
    now = parse_time(sync_status.get('observed_at'))
    appliances, not_heard = [], []
    for host in sorted(set(counts) | set(by_host), key=lambda h: h or ''):
        users, accounts, ghes_only = counts.get(host, (0, 0, 0))
        record, why_unknown = choose_sync_record(records.get(host))
        last_sync = record.get('last_sync') if record else None
        if why_unknown:
            health = unknown_health(why_unknown)
        else:
            health = sync_health(last_sync, now, max_age) if now is not None else None
        entry = {'host_name': host, 'inventory': by_host.get(host, []), 'users': users, 'accounts': accounts,
                 'ghes_only': ghes_only, 'last_sync': last_sync, 'sync_state': health['state'] if health else None,
                 'seats_as_of': last_sync.get('date') if isinstance(last_sync, dict) else None}
        entry['note'] = _note(entry, health)
        appliances.append(entry)
        if health is not None and health['state'] != OK:
            not_heard.append({'host_name': host, 'inventory': entry['inventory'], 'since': entry['seats_as_of'],
                              'state': health['state'], 'note': entry['note']})
    return {'appliances': appliances, 'unidentified': unidentified, 'not_heard_from': not_heard}


def _note(entry, health):
    """Why this appliance's numbers may be out of date, or what else an admin should know; None when nothing."""
    host = entry['host_name'] or 'an account without a host name'
    where = '' if entry['inventory'] else ' (not in the inventory)'
    if health is None:
        return 'GHEC\'s clock could not be read, so the age of %s\'s last sync is unknown' % host
    if health['state'] == NEVER:
        if entry['users']:
            return ('%s%s has no license-sync record on GHEC: its %d users are as of its last manual upload, whose date '
                    'this read does not give' % (host, where, entry['users']))
        return '%s%s has never synced license usage to GHEC: none of its users are counted' % (host, where)
    if health['state'] == OK:
        return None if entry['inventory'] else ('%s is not in the inventory: GHEC still counts %d users from it (a retired '
                                                'or renamed appliance?)' % (host, entry['users']))
    if health['state'] == FAILED:
        return ('the last license sync of %s%s, on %s, failed (%s): its %d users\' seats are as of an earlier sync, '
                'before that date' % (host, where, entry['seats_as_of'], health['reason'], entry['users']))
    if health['state'] == STALE:
        return ('GHEC has not heard from %s%s since %s (%s): its %d users\' seats are as of that date'
                % (host, where, entry['seats_as_of'], health['reason'], entry['users']))
    return '%s%s: %s, so how old its %d users\' seats are is unknown' % (host, where, health['reason'], entry['users'])
