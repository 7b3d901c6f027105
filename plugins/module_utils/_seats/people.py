# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One row of GHEC's consumed-licenses answer as a person, its documented fields checked.

The fields and their types are those of GitHub's REST reference ("List enterprise consumed
licenses", docs/interfaces.md §4). GitHub's own example writes an empty string where a user
has no GHEC side (``github_com_login: ""``), so an empty login means "none", not unknown.
A field of another type than documented stops the read (``UnexpectedAnswerError``): nothing
is concluded from an answer GitHub changed. ``enterprise_server_user`` is documented as
nullable: a row that leaves it null cannot be classified, and is counted as such.

A person keeps only what the seat analysis reads (a 50,000-user enterprise is held as
50,000 small objects, not as 50,000 answer dictionaries).
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import UnexpectedAnswerError
from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import normalise

ASKED = 'the consumed licenses (GET /enterprises/%s/consumed-licenses)'
# field -> (types it may have, whether null is allowed), from the REST reference's schema.
_SCALARS = {
    'github_com_login': (str, False),
    'github_com_name': (str, True),
    'github_com_user': (bool, False),
    'enterprise_server_user': (bool, True),
    'visual_studio_subscription_user': (bool, False),
    'license_type': (str, False),
    'github_com_saml_name_id': (str, True),
    'visual_studio_license_status': (str, True),
    'visual_studio_subscription_email': (str, True),
    'total_user_accounts': (int, False),
}
_LISTS = ('enterprise_server_user_ids', 'github_com_verified_domain_emails', 'enterprise_server_emails')


class Person:
    """One consumed seat as GHEC lists it. ``ghes`` is None when GHEC did not say (a null)."""

    __slots__ = ('index', 'login', 'ghec', 'ghes', 'server_ids', 'server_emails', 'verified_emails', 'name_id',
                 'visual_studio', 'visual_studio_status', 'license_type', 'accounts')

    def __init__(self, index, row):
        self.index = index
        self.login = row['github_com_login'] or None
        self.ghec = row['github_com_user']
        self.ghes = row['enterprise_server_user']
        self.server_ids = tuple(row['enterprise_server_user_ids'])
        self.server_emails = tuple(row['enterprise_server_emails'])
        self.verified_emails = tuple(row['github_com_verified_domain_emails'])
        self.name_id = row['github_com_saml_name_id'] or None
        self.visual_studio = row['visual_studio_subscription_user']
        self.visual_studio_status = row['visual_studio_license_status']
        self.license_type = row['license_type']
        self.accounts = row['total_user_accounts']

    def identities(self):
        """``[(what, key)]`` that name this seat's holder and no one else's: the GHEC login (GitHub logins ignore
        letter case) and each GHES account ``HOST:ID`` (the host as GHEC matches it). A row with neither names no one:
        nothing says it is the same person as another row."""
        found = [('login', self.login.lower())] if self.login else []
        for user_id in self.server_ids:
            host, colon, number = user_id.rpartition(':')
            found.append(('GHES account', '%s:%s' % (normalise(host), number) if colon and normalise(host) else user_id))
        return found

    @property
    def kind(self):
        """``both``, ``ghec_only``, ``ghes_only``, ``neither`` (a Visual Studio subscription alone), or None."""
        if self.ghes is None:
            return None
        if self.ghec:
            return 'both' if self.ghes else 'ghec_only'
        return 'ghes_only' if self.ghes else 'neither'


def decode(row, index, enterprise):
    """The ``Person`` of ``users[index]``, or UnexpectedAnswerError naming the field that is not as documented."""
    asked = ASKED % enterprise
    if not isinstance(row, dict):
        _unexpected(asked, 'users[%d]' % index, row, 'an object')
    for field, (kind, nullable) in _SCALARS.items():
        value = row.get(field)
        if value is None and nullable and field in row:
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            _unexpected(asked, 'users[%d].%s' % (index, field), value, kind.__name__ + (' or null' if nullable else ''))
    for field in _LISTS:
        value = row.get(field)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            _unexpected(asked, 'users[%d].%s' % (index, field), value, 'a list of strings')
    return Person(index, row)


def _unexpected(asked, field, value, expected):
    raise UnexpectedAnswerError(
        'GHEC answered %s unexpectedly: %s is %s, expected %s. No seat count was concluded from it; try again later, '
        'or report it to GitHub if it persists.'
        % (asked, field, 'missing or null' if value is None else 'a %s' % type(value).__name__, expected))
