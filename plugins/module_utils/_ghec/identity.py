# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which installation GHEC knows this appliance as: one set of rules for modules, scan and inventory.

GHEC names an installation by the host name the appliance is configured with
(``github_hostname``), not by the address the controller reaches it at (an IP, a load
balancer). The name comes from the appliance's documented settings; the ``hostname`` option
overrides it, and a warning says so when the two differ. Host names compare without letter
case and without a trailing dot.

When no name can be established, nothing GHEC says can be attributed to the appliance: its
connection state is unknown, with the reason, and no write follows from it.

Two installations with one name (an appliance restored or rebuilt and reconnected; GHEC keeps
the retired record): the connected one wins; among several connected, or none, the one updated
last. Every consumer picks with ``choose_installation`` and names the others.
Between several license-sync records of one name, the appliance's ``server_id`` decides when
it is known (its current server statistics or its usage export carry it); without it, records of
several servers leave the last sync unknown (another server's success is not this one's).
"""

from __future__ import annotations

import dataclasses

from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import parse_time

# How many of GHEC's host names a "not found" message quotes (a fleet has hundreds).
NAMES_QUOTED = 10


def normalise(name):
    """A host name as GHEC matches it: lower case, no surrounding blanks, no trailing dot; None if empty."""
    if not isinstance(name, str):
        return None
    name = name.strip().rstrip('.').lower()
    return name or None


class Identity:
    """The name this appliance is looked up by on GHEC, or why there is none.

    ``name`` (normalised) is None when it cannot be established; ``reason`` then says why and
    what to give. ``configured`` is the appliance's own ``github_hostname`` when it could be
    read; ``source`` is ``option``, ``manage_api`` or ``setup_api``.
    """

    def __init__(self, name, source, configured=None, reason=None, warning=None):
        self.name = name
        self.source = source
        self.configured = configured
        self.reason = reason
        self.warning = warning

    @property
    def known(self):
        return self.name is not None

    def as_dict(self):
        return {'hostname': self.name, 'source': self.source, 'configured_hostname': self.configured,
                'reason': self.reason}


def resolve(given, configured, configured_source=None, read_error=None):
    """The identity from the ``hostname`` option (``given``) and the appliance's configured name.

    ``configured`` is the ``github_hostname`` read from the appliance (None when it could not be
    read; ``read_error`` then says why).
    """
    own = normalise(configured)
    wanted = normalise(given)
    if wanted:
        warning = None
        if own and own != wanted:
            warning = ('hostname "%s" differs from the host name the appliance is configured with ("%s", %s): GHEC '
                       'is asked about "%s". Remove the hostname option if the appliance\'s own name is right.'
                       % (given, configured, configured_source, wanted))
        return Identity(wanted, 'option', configured=own, warning=warning)
    if own:
        return Identity(own, configured_source, configured=own)
    why = read_error or 'the settings name no github_hostname'
    return Identity(None, None, reason='the appliance\'s configured host name could not be read (%s): set the '
                                       'hostname option to the name GHEC knows it by' % why)


def _updated(installation):
    when = parse_time(installation.updated_at.value)
    return when.timestamp() if when else float('-inf')


def choose_installation(candidates):
    """``(chosen, others)`` among the ``Installation`` records of one host name.

    The connected one (``is_connected`` known and true); among several connected (or none), the
    one updated last; among equals, the one GHEC lists last (GHEC lists oldest first). ``chosen``
    carries the others in its ``others``.
    """
    candidates = list(candidates or [])
    if not candidates:
        return None, []
    pool = [c for c in candidates if c.is_connected.value is True] or candidates
    chosen = None
    for candidate in pool:
        if chosen is None or _updated(candidate) >= _updated(chosen):
            chosen = candidate
    others = [c for c in candidates if c is not chosen]
    return dataclasses.replace(chosen, others=tuple(others)), others


def _synced(record):
    last_sync = record.get('last_sync')
    when = parse_time(last_sync.get('date')) if isinstance(last_sync, dict) else None
    return when.timestamp() if when else float('-inf')


def choose_sync_record(records, server_id=None):
    """``(record, why unknown)``: the license-sync record of this appliance among those of its host name.

    With the appliance's ``server_id`` known, only a record of that server counts (the others
    are a retired installation's): ``(None, None)`` when it has none, ``(None, the reason)`` when a record of the
    name gives no server id (it may be this appliance's). Without it, records of one
    server are one appliance's (its most recent sync counts); records of several servers are
    several appliances', and nothing says which is this one: ``(None, the reason)``, never the
    other server's success.
    """
    records = [r for r in records or [] if isinstance(r, dict)]
    if server_id:
        mine = next((r for r in records if r.get('server_id') == server_id), None)
        unsaid = [r for r in records if not (isinstance(r.get('server_id'), str) and r['server_id'])]
        if mine is None and unsaid:
            # A record that names no server may be this appliance's: its last sync is unknown, not "never synced".
            return None, ('GHEC has %d license-sync record(s) named "%s" that name no server id, so whether one is this '
                          'appliance\'s (server id %s) is unknown' % (len(unsaid), unsaid[0].get('hostname'), server_id))
        return mine, None
    servers = sorted(set(str(r.get('server_id')) for r in records))
    if len(servers) > 1:
        return None, ('GHEC has license-sync records of %d servers named "%s" (%s) and nothing read says which is this '
                      'appliance\'s: its fresh server statistics (Server Statistics on) or the admin shell\'s usage export '
                      'carry its server id' % (len(servers), records[0].get('hostname'), ', '.join(servers)))
    chosen = None
    for record in records:
        if chosen is None or _synced(record) >= _synced(chosen):
            chosen = record
    return chosen, None


def not_listed_reason(name, listed_names, total):
    """Why GHEC says nothing of ``name``, quoting some of the names it does list."""
    if not total:
        return 'GHEC lists no installation at all, so none named "%s": set the hostname option if the appliance is ' \
               'known by another name, or give console credentials to read its own Connect page' % name
    quoted = ', '.join(listed_names[:NAMES_QUOTED])
    more = total - min(len(listed_names), NAMES_QUOTED)
    return ('GHEC lists no installation named "%s"; it lists %s%s: set the hostname option to the name GHEC knows '
            'the appliance by, or give console credentials to read its own Connect page'
            % (name, quoted, (' and %d more' % more) if more > 0 else ''))
