# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the legacy Management Console API (``/setup/api``, GHES 3.14 and older).

Only what the Manage API lacks on 3.9 - 3.11 is used: starting and watching a config
run, maintenance, and reading settings. Authentication is HTTP Basic ``api_key:PASSWORD``;
the ``api_key`` query-parameter form is never used because it puts the password in
URLs and logs.
"""

from __future__ import annotations

PREFIX = '/setup/api'


class SetupLegacyClient:
    def __init__(self, http):
        self.http = http

    def configcheck(self):
        """``{status: running|success|failed, progress: [{status, key}]}``."""
        return self.http.request('GET', PREFIX + '/configcheck').json()

    def configure(self):
        self.http.request('POST', PREFIX + '/configure', expected=(200, 202, 204))

    def maintenance(self):
        return self.http.request('GET', PREFIX + '/maintenance').json()

    def settings(self):
        return self.http.request('GET', PREFIX + '/settings').json()
