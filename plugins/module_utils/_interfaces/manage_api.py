# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the Manage GHES API (``/manage/v1``, GHES 3.9 and later).

It smooths over the documented quirks (docs/interfaces.md §1) so callers see one shape:
the license as an object (documented as a one-element array), ``supportKey`` as a bool
(documented as a string).
"""

from __future__ import annotations

import dataclasses

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import AuthenticationError, UnexpectedAnswerError
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import where_set
from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, Record, field_fact

PREFIX = '/manage/v1'


class ManageClient:
    def __init__(self, http):
        self.http = http

    def _get(self, path, query=None):
        try:
            return self.http.request('GET', PREFIX + path, query=query).json()
        except AuthenticationError as exc:
            raise _manage_auth_error(exc) from exc

    def version_nodes(self):
        """``[{hostname, version: {version, platform, build_id, build_date}}]``, one per node, as answered
        (``nodes.parse_versions`` reads it)."""
        return self._get('/version')

    def maintenance(self):
        """Per-node maintenance list, as answered (``nodes.parse_maintenance`` reads it)."""
        return self._get('/maintenance')

    def settings(self):
        """The whole settings object. It holds secrets: redact before showing."""
        return self._get('/config/settings')

    def license(self):
        return normalize_license(self._get('/config/license'))

    def start_config_apply(self, run_id=None):
        body = {'run_id': run_id} if run_id else None
        try:
            response = self.http.request('POST', PREFIX + '/config/apply', json_body=body, expected=(200, 201, 202))
        except AuthenticationError as exc:
            raise _manage_auth_error(exc) from exc
        return started_run_id(response.json(), run_id)

    def config_apply_status(self, run_id=None):
        return self._get('/config/apply', {'run_id': run_id} if run_id else None)

    def ssh_keys(self):
        """The keys authorised for the administrative shell (3.12+), one ``Fact`` per entry listed (``parse_ssh_keys``)."""
        return parse_ssh_keys(self._get('/access/ssh'))

    def add_ssh_key(self, key):
        self._ssh_key('POST', key)

    def remove_ssh_key(self, key):
        self._ssh_key('DELETE', key)

    def _ssh_key(self, method, key):
        # json_body sends Content-Type: application/json, which GitHub says to send (3.14 refuses the body without it).
        try:
            self.http.request(method, PREFIX + '/access/ssh', json_body={'key': key}, expected=(200, 201, 204),
                              safe=True)  # idempotent: adding a present key or removing an absent one changes nothing
        except AuthenticationError as exc:
            raise _manage_auth_error(exc) from exc

    def config_apply_events(self, last_request_id=None):
        return self._get('/config/apply/events', {'last_request_id': last_request_id} if last_request_id else None)


def parse_ssh_keys(answer):
    """``[Fact]``: the ``key`` text of each entry of ``GET /access/ssh`` (documented ``[{key, fingerprint}]``), or why
    an entry's key cannot be read. An answer that is not a list (null included) says nothing about the keys: it is
    ``UnexpectedAnswerError`` naming what it was, never "no keys"."""
    if not isinstance(answer, list):
        raise UnexpectedAnswerError('The Manage API answered GET %s/access/ssh with %s, not a list of keys: which keys are '
                                    'authorised for the administrative shell cannot be told.' % (PREFIX, _answer_kind(answer)))
    return [field_fact(entry, 'key', str, 'manage_api', 'entry %d of the Manage API SSH key list' % number)
            for number, entry in enumerate(answer, 1)]


def _answer_kind(answer):
    """What an answer is, in words, without its content."""
    if answer is None:
        return 'null'
    return {dict: 'an object', str: 'a string', bool: 'a boolean', int: 'a number', float: 'a number'}.get(
        type(answer), type(answer).__name__)


def started_run_id(answer, asked):
    """The run id a ``POST /config/apply`` answered, else the one it was asked to use (``asked``, possibly None)."""
    answered = answer.get('run_id') if isinstance(answer, dict) else None
    return answered if isinstance(answered, str) and answered else asked


def normalize_license(data):
    """One license object whatever the documented/observed shape (an array of exactly one, or the object); an array
    of none or several is returned as it is, for ``parse_license`` to say why no license was read."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        return data     # not a license object: parse_license says so, field by field
    data = dict(data)
    support_key = data.get('supportKey')
    if isinstance(support_key, str):
        data['supportKey'] = support_key.strip().lower() not in ('', 'false', '0', 'no')
    return data


LICENSE_ANSWER = 'the Manage API license'


@dataclasses.dataclass(frozen=True)
class License(Record):
    """What the Manage API's license says; ``connect_permitted`` is its ``croquetSupport``."""

    connect_permitted: Fact
    seats: Fact
    expire_at: Fact
    evaluation: Fact
    perpetual: Fact
    cluster_support: Fact


def parse_license(data, source='manage_api'):
    """A ``License`` from ``/manage/v1/config/license`` (after ``normalize_license``).

    A field the answer lacks, or carries as null or another type, is unknown with that reason: a
    license that does not say ``croquetSupport`` is not thereby one that forbids GitHub Connect.
    """
    data = normalize_license(data)
    if isinstance(data, list):
        # Several licenses (or none): which one the appliance uses is not said, so none of them is reported.
        def unread(key):
            return Fact.missing('%s not read: %s listed %d licenses, not one' % (key, LICENSE_ANSWER, len(data)))
        return License(connect_permitted=unread('croquetSupport'), seats=unread('seats'), expire_at=unread('expireAt'),
                       evaluation=unread('evaluation'), perpetual=unread('perpetual'),
                       cluster_support=unread('clusterSupport'))

    def fact(key, kind):
        return field_fact(data, key, kind, source, LICENSE_ANSWER)

    unlimited = fact('unlimitedSeating', bool)
    if unlimited.known and unlimited.value:
        seats = Fact.of('unlimited', source)
    elif unlimited.known:
        seats = fact('seats', int)
    else:
        seats = Fact.missing(unlimited.reason + ' (so the seat count may be unlimited)')
    return License(connect_permitted=fact('croquetSupport', bool), seats=seats, expire_at=fact('expireAt', str),
                   evaluation=fact('evaluation', bool), perpetual=fact('perpetual', bool),
                   cluster_support=fact('clusterSupport', bool))


def _manage_auth_error(exc):
    return exc.reworded('The Manage GHES API refused the credentials (401). Check %s (the root site administrator '
                        'password, user api_key) or %s for a Management Console user.'
                        % (where_set('manage_password'), where_set('manage_username')))
