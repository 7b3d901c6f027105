# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One appliance's drift record: the line of the drift report that every report format is made from.

Made only by ``_state.comparison.report_record`` (the scan, ``ghe_connect_info`` and the
``drift_records`` filter alike), read by attribute, and frozen: the verdict is decided once, with
the differences, unknowns and blockers it was decided from. ``to_dict()`` is the record as results,
``drift.json`` and the report formats hold it.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class DriftRecord:
    """``differences`` ``({field, before, after}, ...)``, ``unknown`` ``({field, reason}, ...)`` and ``blocked_by``
    (sentences) decide ``verdict``; ``installation`` names the GHEC installation read and its ``others``."""

    appliance: str
    verdict: str
    url: str | None = None
    version: str | None = None
    hostname: str | None = None
    connected: bool | None = None
    license_sync: bool | None = None
    last_sync: dict | None = None
    last_sync_age_days: float | None = None
    differences: tuple = ()
    unknown: tuple = ()
    blocked_by: tuple = ()
    error: str | None = None
    installation: dict | None = None
    sources: dict = dataclasses.field(default_factory=dict)

    def to_dict(self):
        """Every field by name; the tuples as lists, as JSON holds them."""
        return dict((field.name, _plain(getattr(self, field.name))) for field in dataclasses.fields(self))


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return dict((key, _plain(item)) for key, item in value.items())
    return value
