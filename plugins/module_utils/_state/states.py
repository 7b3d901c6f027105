# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two observed states of an appliance, typed: its GitHub Connect state and its license-sync state.

Each field is an attribute, so a misspelt one is an ``AttributeError``, never a silent None. A state
keeps where each known value came from (``sources``, ``{field: source}``) and why each unknown one
could not be read (``unknown``, the one shape ``[{field, reason}]``, fields prefixed ``connect.`` or
``license_sync.``); ``fact(name)`` joins them: known with its source, or unknown with the reason.
``to_dict()`` is the state as results show it.

The states are mutable on purpose: ``read_connect`` fills a Connect state in steps (GHEC's
installation first, the console page only when GHEC cannot settle it, and ``read_license_sync``
may ask for that page later), and a read never invents a value it has not read. A decision that
predicts a state copies it (``dataclasses.replace``) and never changes the one read.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, unknown_reason
from ansible_collections.ghes.connect.plugins.module_utils._ghec.installation import Installation

STATUS_UNKNOWN = 'unknown'


class _Observed:
    """``fact(name)`` of a state with ``sources`` and ``unknown`` (fields named ``PREFIX + name`` there)."""

    PREFIX = ''

    def fact(self, name):
        """``Fact`` of the field ``name``: unknown with the reason ``unknown`` gives, else known with its source.

        A value nothing read (None, no reason listed) is unknown too: a None is never a fact.
        """
        value = getattr(self, name)
        reason = unknown_reason(self.unknown, self.PREFIX + name)
        if reason is not None:
            return Fact.missing(reason)
        if value is None:
            return Fact.missing('%s%s was not read' % (self.PREFIX, name))
        return Fact.of(value, self.sources.get(name))


@dataclasses.dataclass
class ConnectState(_Observed):
    """Whether, where and how the appliance is connected (``_state.observed.read_connect``).

    ``installation`` is GHEC's installation of the appliance's name (an ``Installation``, its uploads
    included), None when GHEC lists none or the name is unknown.
    """

    PREFIX = 'connect.'

    connected: bool | None = None
    status: str = STATUS_UNKNOWN
    account: str | None = None
    target: str | None = None
    authorization_url: str | None = None
    features: dict = dataclasses.field(default_factory=dict)
    installation: Installation | None = None
    sources: dict = dataclasses.field(default_factory=dict)
    unknown: list = dataclasses.field(default_factory=list)

    def to_dict(self):
        """The state as results show it (``state`` of ghe_connect, a failure's ``state``, ``appliance.connect``):
        every field but ``sources`` (``ghe_connect_info`` lists them among the appliance's ``sources``)."""
        return {'connected': self.connected, 'status': self.status, 'account': self.account, 'target': self.target,
                'authorization_url': self.authorization_url, 'features': dict(self.features),
                'installation': self.installation.to_dict() if self.installation else None, 'unknown': list(self.unknown)}

    def diffable(self):
        """The part ``--diff`` shows: the switch and where it points."""
        return {'connected': bool(self.connected), 'status': self.status, 'account': self.account, 'target': self.target}


@dataclasses.dataclass
class LicenseSyncState(_Observed):
    """The license-sync switch and GHEC's record of the last sync (``read_license_sync``, ``read_last_sync``).

    ``last_sync`` is ``{date, status, error}`` or None; ``sync_age_seconds`` its age on GHEC's clock
    (``observed_at``, the ``Date`` of GHEC's answer); ``server_id`` the server GHEC's record is of.
    ``appliance_server_id`` is the appliance's own, read only from its usage export (``from_shell``).
    ``warnings`` are for the operator, never part of the state shown; ``connect`` is the Connect state
    the switch was read with (None for ``read_last_sync``), which ``ghe_license_sync`` decides from too.
    """

    PREFIX = 'license_sync.'

    enabled: bool | None = None
    last_sync: dict | None = None
    sync_age_seconds: int | None = None
    observed_at: str | None = None
    server_id: str | None = None
    appliance_server_id: str | None = None
    from_shell: bool = False
    sources: dict = dataclasses.field(default_factory=dict)
    unknown: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    connect: ConnectState | None = None

    def to_dict(self, with_sources=False):
        """The state as ``ghe_connect_info`` shows it (``appliance.license_sync``); ``with_sources`` adds ``sources``
        and ``warnings``, the whole read that ``ghe_license_upload``'s ``license_sync`` has always shown."""
        shown = {'enabled': self.enabled, 'last_sync': self.last_sync, 'sync_age_seconds': self.sync_age_seconds,
                 'observed_at': self.observed_at, 'server_id': self.server_id, 'unknown': list(self.unknown)}
        if self.from_shell:
            shown['appliance_server_id'] = self.appliance_server_id
        if with_sources:
            shown.update(sources=dict(self.sources), warnings=list(self.warnings))
        return shown

    def public(self):
        """The switch and the last sync: ``ghe_license_sync``'s ``license_sync`` and ``--diff``."""
        return {'enabled': self.enabled, 'last_sync': self.last_sync, 'sync_age_seconds': self.sync_age_seconds}

    def with_last_sync(self, newer):
        """This state with the last sync of ``newer`` (a later ``read_last_sync``): its record, age, clock and warnings."""
        return dataclasses.replace(self, last_sync=newer.last_sync, sync_age_seconds=newer.sync_age_seconds,
                                   observed_at=newer.observed_at, server_id=newer.server_id,
                                   warnings=list(newer.warnings), unknown=list(newer.unknown))
