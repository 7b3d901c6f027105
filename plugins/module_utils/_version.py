# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GHES versions: parsing, the supported range, and what each version offers.

Every "does this version have X" question is answered here, from the facts in
ghes-api.md, so no client or module compares version numbers on its own.
"""

from __future__ import annotations

import re

from ansible_collections.ghes.connect.plugins.module_utils._errors import GhesConnectError

MIN_SUPPORTED = (3, 9)
# The newest release this collection was modelled and tested against. Newer ones are
# allowed (reads are documented APIs; console writes check the page before acting).
NEWEST_KNOWN = (3, 19)

# Capabilities by the first feature release that has them (ghes-api.md §1-2).
_SINCE = {
    'manage_version': (3, 9),
    'manage_maintenance': (3, 10),
    'manage_nodes': (3, 10),
    'manage_config': (3, 12),       # settings, license, config apply (+ events)
    'ghe_com_target': (3, 12),
    'manage_ssh_keys': (3, 12),     # /manage/v1/access/ssh
    'ghe_com_license_sync': (3, 15),
    'sync_now': (3, 5),
}
_UNTIL = {
    'setup_api': (3, 14),           # legacy /setup/api, removed in 3.15
}


class GhesVersion:
    """A GHES release like ``3.14.2``; compares by (major, minor, patch)."""

    def __init__(self, text):
        match = re.match(r'^\s*v?(\d+)\.(\d+)(?:\.(\d+))?', str(text or ''))
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

    def __str__(self):
        return self.text

    def __repr__(self):
        return 'GhesVersion(%r)' % self.text


def unsupported_message(version):
    return ('GHES %s is not supported: ghes.connect needs GHES %d.%d or later (the Manage GHES API and the '
            'Connect page it relies on). Upgrade the appliance, or configure GitHub Connect by hand.'
            % (version, MIN_SUPPORTED[0], MIN_SUPPORTED[1]))
