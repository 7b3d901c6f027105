# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the GHES REST API (``https://HOST/api/v3``, site-administrator token)."""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import NotFoundError

PREFIX = '/api/v3'


class RestClient:
    def __init__(self, http):
        self.http = http

    def meta(self):
        """``(meta, version)``: ``/meta`` and the ``X-GitHub-Enterprise-Version`` header."""
        response = self.http.request('GET', PREFIX + '/meta')
        data = response.json() or {}
        return data, response.headers.get('x-github-enterprise-version') or data.get('installed_version')

    def license(self):
        """Seats and expiry; ``seats`` may be the string ``unlimited``."""
        try:
            return self.http.request('GET', PREFIX + '/enterprise/settings/license').json()
        except NotFoundError as exc:
            raise exc.reworded('GHES REST answered 404 for /enterprise/settings/license: the token is not a site '
                               'administrator\'s, or lacks the site_admin scope.') from exc
