# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the legacy Management Console API (``/setup/api``, GHES 3.14 and older).

Only what the Manage API lacks on 3.9 - 3.11 is used: starting and watching a config
run, maintenance, and reading settings. Authentication is HTTP Basic ``api_key:PASSWORD``;
the ``api_key`` query-parameter form is never used because it puts the password in
URLs and logs.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, field_fact

PREFIX = '/setup/api'
SOURCE = 'setup_api'
SETTINGS_ANSWER = 'the legacy settings (GET /setup/api/settings)'


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


def parse_settings_hostname(answer, source=SOURCE):
    """``Fact`` of the configured host name, ``enterprise.github_hostname`` of the legacy settings (stripped)."""
    enterprise = field_fact(answer, 'enterprise', dict, source, SETTINGS_ANSWER)
    if not enterprise.known:
        return enterprise
    return hostname_fact(enterprise.value, source, 'enterprise of %s' % SETTINGS_ANSWER)


def hostname_fact(settings, source, what):
    """``Fact`` of ``settings['github_hostname']``: a non-empty string (stripped), else unknown saying why."""
    name = field_fact(settings, 'github_hostname', str, source, what)
    if name.known and not name.value.strip():
        return Fact.missing('github_hostname is empty in %s' % what)
    return Fact.of(name.value.strip(), source) if name.known else name
