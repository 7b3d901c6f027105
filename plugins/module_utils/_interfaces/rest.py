# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the GHES REST API (``https://HOST/api/v3``, site-administrator token), and the parsers of its answers.

``parse_version`` and ``parse_license`` read an answer once, into facts: each known with its
source, or unknown with the field and the read named (docs/interfaces.md §2).
"""

from __future__ import annotations

import dataclasses

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import NotFoundError
from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, Record, field_fact

PREFIX = '/api/v3'
SOURCE = 'ghes_rest'
META_ASKED = 'GET /api/v3/meta'
LICENSE_ANSWER = 'the GHES REST license (GET /api/v3/enterprise/settings/license)'
VERSION_HEADER = 'x-github-enterprise-version'


class RestClient:
    def __init__(self, http):
        self.http = http

    def version(self):
        """``Fact`` of the GHES version: ``X-GitHub-Enterprise-Version`` of ``/meta``, else its ``installed_version``."""
        response = self.http.request('GET', PREFIX + '/meta')
        return parse_version(response.headers, response.json())

    def license(self):
        """The raw license answer (``parse_license`` reads it); ``seats`` may be the string ``unlimited``."""
        try:
            return self.http.request('GET', PREFIX + '/enterprise/settings/license').json()
        except NotFoundError as exc:
            raise exc.reworded('GHES REST answered 404 for /enterprise/settings/license: the token is not a site '
                               'administrator\'s, or lacks the site_admin scope.') from exc


def parse_version(headers, meta):
    """``Fact`` of the version text the header or ``/meta`` states; unknown, saying which neither did, otherwise."""
    header = headers.get(VERSION_HEADER) if hasattr(headers, 'get') else None
    if isinstance(header, str) and header.strip():
        return Fact.of(header.strip(), SOURCE)
    installed = field_fact(meta, 'installed_version', str, SOURCE, 'the answer to %s' % META_ASKED)
    if installed.known and not installed.value.strip():
        installed = Fact.missing('installed_version is empty in the answer to %s' % META_ASKED)
    if installed.known:
        return Fact.of(installed.value.strip(), SOURCE)
    return Fact.missing('%s carried no %s header, and %s' % (META_ASKED, VERSION_HEADER, installed.reason))


@dataclasses.dataclass(frozen=True)
class RestLicense(Record):
    """What GHES REST's license says (GHES 3.9 - 3.11 read it; it does not say whether Connect is permitted)."""

    seats: Fact
    seats_used: Fact
    seats_available: Fact
    expire_at: Fact
    days_until_expiration: Fact
    kind: Fact


def parse_license(data, source=SOURCE):
    """A ``RestLicense``: a seat count is a number or ``unlimited``; anything else is unknown with the reason."""
    def fact(key, kind):
        return field_fact(data, key, kind, source, LICENSE_ANSWER)

    def seats(key):
        count = fact(key, (int, str))
        if count.known and isinstance(count.value, str) and count.value != 'unlimited':
            return Fact.missing('%s in %s is "%s", not a number or "unlimited"' % (key, LICENSE_ANSWER, count.value))
        return count

    return RestLicense(seats=seats('seats'), seats_used=seats('seats_used'), seats_available=seats('seats_available'),
                       expire_at=fact('expire_at', str), days_until_expiration=fact('days_until_expiration', int),
                       kind=fact('kind', str))
