# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GHES versions: parsing, the supported range, and what each version offers.

Every "does this version have X" question is answered here, from the facts in
docs/interfaces.md §1-2 and §7, so no client or module compares version numbers on its own.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError

MIN_SUPPORTED = (3, 9)
# Compiled on import (in ansible-playbook's own process), not again in every host's worker.
_VERSION = re.compile(r'^\s*v?(\d+)\.(\d+)(?:\.(\d+))?')

# Every feature release this collection was modelled and tested against, with the release and
# deprecation dates GitHub publishes on its "GitHub Enterprise Server releases" page (GitHub
# moves deprecation dates now and then: keep this table current with that page). GitHub
# supports the four newest feature releases; an appliance past its deprecation date gets no
# more patches, so the modules say so.
RELEASES = {
    (3, 9): ('2023-06-08', '2024-07-26'),
    (3, 10): ('2023-08-08', '2024-09-25'),
    (3, 11): ('2023-11-14', '2024-12-19'),
    (3, 12): ('2024-02-13', '2025-04-03'),
    (3, 13): ('2024-05-16', '2025-06-19'),
    (3, 14): ('2024-08-06', '2026-04-23'),
    (3, 15): ('2024-11-12', '2026-04-23'),
    (3, 16): ('2025-02-25', '2026-06-25'),
    (3, 17): ('2025-05-13', '2026-08-25'),
    (3, 18): ('2025-09-03', '2026-10-14'),
    (3, 19): ('2025-12-02', '2026-12-09'),
    (3, 20): ('2026-02-24', '2027-03-17'),
    (3, 21): ('2026-05-12', '2027-06-11'),
}
# The newest release modelled. Newer ones are allowed (reads are documented APIs; console
# writes check the page before acting), with a warning.
NEWEST_KNOWN = max(RELEASES)

# Capabilities by the first feature release that has them (docs/interfaces.md §1-2).
_SINCE = {
    'manage_maintenance': (3, 10),
    'manage_config': (3, 12),       # settings, license, config apply (+ events)
    'ghe_com_target': (3, 12),
    'manage_ssh_keys': (3, 12),     # /manage/v1/access/ssh
    'ghe_com_license_sync': (3, 15),
}
_UNTIL = {
    'setup_api': (3, 14),           # legacy /setup/api, removed in 3.15
}


class GhesVersion:
    """A GHES release like ``3.14.2``; compares by (major, minor, patch)."""

    def __init__(self, text):
        match = _VERSION.match(str(text or ''))
        if not match:
            raise GhesConnectError('Cannot read a GHES version from %r.' % (text,))
        self.text = str(text).strip()
        self.parts = (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))

    @property
    def feature(self):
        """The feature release, ``(3, 14)``: what APIs and UI layouts follow."""
        return self.parts[:2]

    @property
    def feature_text(self):
        return '%d.%d' % self.feature

    def has(self, capability):
        if capability in _SINCE and self.feature < _SINCE[capability]:
            return False
        if capability in _UNTIL and self.feature > _UNTIL[capability]:
            return False
        return True

    @property
    def supported(self):
        return self.feature >= MIN_SUPPORTED

    @property
    def newer_than_known(self):
        return self.feature > NEWEST_KNOWN

    def release_warning(self, today=None):
        """What an administrator should know about this release, or None: newer than any modelled, or
        past the date GitHub stopped supporting it."""
        if self.newer_than_known:
            return ('GHES %s is newer than any release ghes.connect was tested against (newest: %d.%d): reads use the '
                    'documented APIs, and console steps check each page before acting.' % ((self,) + NEWEST_KNOWN))
        dates = RELEASES.get(self.feature)
        today = today or datetime.date.today()
        if dates and self.supported and today.isoformat() > dates[1]:
            return ('GHES %s is past the end of GitHub\'s support (since %s): GitHub ships no more patches for it, '
                    'security fixes included. ghes.connect still manages it (version_supported: true); plan the upgrade.'
                    % (self.feature_text, dates[1]))
        return None

    def __str__(self):
        return self.text

    def __repr__(self):
        return 'GhesVersion(%r)' % self.text


def unsupported_message(version):
    return ('GHES %s is not supported: ghes.connect needs GHES %d.%d or later (the Manage GHES API and the '
            'Connect page it relies on). Upgrade the appliance, or configure GitHub Connect by hand.'
            % (version, MIN_SUPPORTED[0], MIN_SUPPORTED[1]))
