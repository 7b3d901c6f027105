# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of GitHub Enterprise Cloud: REST, GraphQL, and the modelled "Add server usage" page.

All reads here cover the whole enterprise at once (every appliance in one answer), so
callers share them across hosts through ``_run_cache.enterprise_reads`` instead of asking once per
appliance: the token's budget is 5,000 requests an hour.
"""

from __future__ import annotations

import datetime
import email.utils
import os
from urllib.parse import quote, urljoin

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import GHEC_API_VERSION
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    AuthenticationError,
    ConsoleError,
    GhesConnectError,
    NotFoundError,
    PermissionDeniedError,
    UnexpectedAnswerError,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import where_set
from ansible_collections.ghes.connect.plugins.module_utils._ghec.identity import NAMES_QUOTED, normalise

READ_SCOPES = ('read:enterprise', 'admin:enterprise')
PAGE_SIZE = 100
UPLOADS_PER_INSTALLATION = 5

# The enterprise as the token sees it comes with the first page of installations: checking the
# token's access costs no request of its own.
INSTALLATIONS_QUERY = (
    'query($slug: String!, $after: String) { enterprise(slug: $slug) { slug name viewerIsAdmin ownerInfo { '
    'enterpriseServerInstallations(first: %d, after: $after, connectedOnly: false) { '
    'nodes { id hostName customerName isConnected createdAt updatedAt '
    'userAccountsUploads(first: %d) { nodes { name syncState createdAt } } } '
    'pageInfo { hasNextPage endCursor } totalCount } } } }' % (PAGE_SIZE, UPLOADS_PER_INSTALLATION))
INSTALLATIONS_ASKED = 'the installations of the enterprise (GraphQL enterpriseServerInstallations)'
SYNC_STATUS_ASKED = 'the license-sync status (GET /enterprises/%s/license-sync-status)'
STATISTICS_ASKED = 'the server statistics (GET /enterprise-installation/%s/server-statistics)'


class GhecClient:
    def __init__(self, http, enterprise, web_http=None, web_session=None, api_version=GHEC_API_VERSION):
        self.http = http
        self.enterprise = enterprise
        # In a path, the slug escaped: it is checked where the options are (_common/argspec), this guards the URL itself.
        self._slug = quote(enterprise or '', safe='')
        # Every REST request names the version it was written for: GitHub answers it that way until the
        # version is retired (400), instead of changing under the collection when a new one becomes the default.
        self.rest_headers = {'X-GitHub-Api-Version': api_version}
        self.web_http = web_http
        self.web_session = web_session

    # -- enterprise-wide reads ------------------------------------------------------------
    def installations(self):
        """``(enterprise, nodes)``: the enterprise as the token sees it, and every installation (all pages).

        ``enterprise`` is ``{slug, name, viewerIsAdmin, scopes}``. The first page checks the
        token before anything else, and raises with the cause and the fix: bad token, missing
        scope, unknown enterprise, or a token whose user does not own the enterprise (only
        owners can read its installations).
        """
        enterprise, nodes, after, seen, pages = None, [], None, set(), 0
        while True:
            response = self._graphql_response(INSTALLATIONS_QUERY, {'slug': self.enterprise, 'after': after})
            if enterprise is None:
                enterprise = self._check_access(response)
            pages += 1
            connection = _installations_connection(self._graphql_data(response, INSTALLATIONS_ASKED), pages)
            nodes.extend(_installation_node(node, len(nodes) + i) for i, node in enumerate(connection['nodes']))
            page = _expect(connection.get('pageInfo'), dict, 'pageInfo', INSTALLATIONS_ASKED)
            # A page that does not say whether more follow is no last page: the installations after it would
            # read as not listed by GHEC.
            if not _expect(page.get('hasNextPage'), bool, 'pageInfo.hasNextPage', INSTALLATIONS_ASKED):
                return enterprise, nodes
            after = page.get('endCursor')
            total = connection.get('totalCount')
            # An answer that keeps saying "next page" must not spend the token's hourly budget.
            limit = (-(-total // PAGE_SIZE) + 1) if isinstance(total, int) and not isinstance(total, bool) else None
            if not isinstance(after, str) or not after or after in seen:
                raise UnexpectedAnswerError(
                    'GHEC answered %s unexpectedly: page %d says there is a next page but repeats or lacks its cursor '
                    '(%r). Stopped instead of asking again; try later, or report it to GitHub.'
                    % (INSTALLATIONS_ASKED, pages, after))
            if limit is not None and pages >= limit:
                raise UnexpectedAnswerError(
                    'GHEC answered %s unexpectedly: %d pages for %d installations (at most %d expected at %d a page). '
                    'Stopped instead of asking again.' % (INSTALLATIONS_ASKED, pages + 1, total, limit, PAGE_SIZE))
            seen.add(after)

    def _check_access(self, response):
        scopes = _scopes(response.headers)
        if scopes is not None and not any(s in scopes for s in READ_SCOPES):
            raise PermissionDeniedError(
                'ghec_token lacks the read:enterprise scope (it has: %s). Create a classic token with '
                'read:enterprise (admin:enterprise for changes) as an owner of the enterprise "%s".'
                % (', '.join(scopes) or 'no scopes', self.enterprise), status=403)
        payload = response.json()
        data = payload.get('data') if isinstance(payload, dict) else None
        enterprise = data.get('enterprise') if isinstance(data, dict) else None
        if enterprise is None:
            self._graphql_data(response)    # a typed error (scope) says more than "not found"
            raise NotFoundError('The GHEC enterprise "%s" does not exist or ghec_token cannot see it: check %s (the '
                                'slug in https://github.com/enterprises/SLUG).' % (self.enterprise, where_set('ghec_enterprise')),
                                status=404)
        _expect(enterprise, dict, 'enterprise', INSTALLATIONS_ASKED)
        # Only an explicit false is GHEC saying the token's user is no owner: a reply that lacks the
        # field says nothing about the user (ownerInfo, read next, decides whether it can be read).
        if enterprise.get('viewerIsAdmin') is False:
            raise PermissionDeniedError(
                'The owner of ghec_token is not an owner of the GHEC enterprise "%s". GitHub requires the person who '
                'sets up GitHub Connect and license sync to own the enterprise: use an owner\'s token.'
                % self.enterprise, status=403)
        return {'slug': enterprise.get('slug'), 'name': enterprise.get('name'), 'viewerIsAdmin': True,
                'scopes': scopes}

    def license_sync_status(self):
        """``{server_instances: [{server_id, hostname, last_sync}], observed_at, clock_warning}`` for every appliance.

        ``observed_at`` is GHEC's own clock (the ``Date`` header): sync ages are measured
        against it, so a controller whose clock is off does not invent or hide drift
        (``ghec_clock``: the controller's, with ``clock_warning``, when GHEC sent no date).
        """
        response = self._rest_response('/enterprises/%s/license-sync-status' % self._slug)
        asked = SYNC_STATUS_ASKED % self.enterprise
        data = _expect(response.json(), dict, 'the answer', asked)
        instances = _expect(data.get('server_instances'), list, 'server_instances', asked)
        return dict(ghec_clock(response.headers, asked),
                    server_instances=[_sync_record(record, index, asked) for index, record in enumerate(instances)])

    def server_statistics(self, date_start=None, date_end=None):
        """``{statistics: [...], observed_at}``: every appliance's shared server statistics, with GHEC's clock."""
        query = dict((k, v) for k, v in (('date_start', date_start), ('date_end', date_end)) if v)
        response = self._rest_response('/enterprise-installation/%s/server-statistics' % self._slug, query)
        asked = STATISTICS_ASKED % self.enterprise
        entries = response.json()
        entries = _expect(entries if entries is not None else [], list, 'the answer', asked)
        return dict(ghec_clock(response.headers, asked),
                    statistics=[_statistics_entry(entry, index, asked) for index, entry in enumerate(entries)])

    def rest_get(self, path, query=None):
        """The answer of a documented enterprise read (a page of consumed licenses, say), its errors explained."""
        return self._rest_response(path, query)

    # -- "Add server usage" (MODELLED web page, needs an owner's web session) ---------------
    def upload_usage(self, filename, content):
        """Upload a license usage file; return nothing (GraphQL then shows the upload).

        Sent once: an upload is not idempotent, so a failure whose outcome is unknown is
        reported, and the caller looks for the upload by name before trying again.
        """
        from ansible_collections.ghes.connect.plugins.module_utils._transport.html_forms import Page  # only uploads read a page
        if self.web_http is None or not self.web_session:
            raise ConsoleError('Uploading license usage to GHEC needs ghec_session (the user_session cookie of an '
                               'enterprise owner signed in to GitHub.com) and ghec_web_url.')
        page_path = '/enterprises/%s/settings/license' % self._slug
        action = page_path + '/server_usage'
        cookie = {'Cookie': 'user_session=%s' % self.web_session, 'Accept': 'text/html'}
        response = self.web_http.request('GET', page_path, headers=cookie, expected=(200, 302))
        if response.status == 302:
            raise ConsoleError('GitHub.com did not accept ghec_session (redirected to sign in): sign in to GitHub.com '
                               'as an owner of "%s" and copy a fresh user_session cookie.' % self.enterprise)
        form = next((f for f in Page(response.text).forms if f.action.endswith(action)), None)
        if form is None or 'authenticity_token' not in form.fields:
            raise ConsoleError('The GHEC licensing page has no "Add server usage" form posting to %s: upload the '
                               'file by hand (Enterprise settings -> Enterprise licensing -> Add server usage).' % action)
        body, content_type = _multipart(form.fields, 'usage_file', filename, content)
        headers = dict(cookie, **{'Content-Type': content_type})
        response = self.web_http.request('POST', urljoin(response.url, form.action), data=body, headers=headers,
                                         expected=(200, 302), safe=False)
        if response.status != 302:
            raise ConsoleError('GHEC did not take the upload of %s%s.'
                               % (filename, (': ' + '; '.join(Page(response.text).flash_errors))
                                  if Page(response.text).flash_errors else ''))

    # -- plumbing ---------------------------------------------------------------------------
    def _rest_response(self, path, query=None):
        try:
            return self.http.request('GET', path, query=query, headers=self.rest_headers)
        except AuthenticationError as exc:
            raise _bad_token(exc) from exc
        except PermissionDeniedError as exc:
            if 'retry-after' not in exc.headers and exc.headers.get('x-ratelimit-remaining') != '0':
                raise exc.reworded('GHEC refused %s (403: %s). ghec_token needs the read:enterprise scope and must '
                                   'belong to an owner of "%s".' % (path, exc.api_message or 'forbidden', self.enterprise)) from exc
            raise
        except NotFoundError as exc:
            raise exc.reworded('GHEC answered 404 for %s: the enterprise "%s" does not exist or ghec_token cannot see it.'
                               % (path, self.enterprise)) from exc

    def _graphql_response(self, query, variables):
        try:
            return self.http.request('POST', '/graphql', json_body={'query': query, 'variables': variables}, safe=True)
        except AuthenticationError as exc:
            raise _bad_token(exc) from exc

    def _graphql_data(self, response, asked='GHEC GraphQL'):
        """The ``data`` of a GraphQL answer; typed errors become the errors callers handle.

        ``NOT_FOUND`` is left to the caller (the field is then null).
        """
        payload = _expect(response.json(), dict, 'the answer', asked)
        errors = payload.get('errors') or []
        errors = [e if isinstance(e, dict) else {'message': e} for e in (errors if isinstance(errors, list) else [errors])]
        data = payload.get('data') or {}
        for error in errors:
            kind = error.get('type')
            if kind == 'INSUFFICIENT_SCOPES':
                raise PermissionDeniedError(
                    'ghec_token lacks the read:enterprise scope (it has: %s). Create a classic token with '
                    'read:enterprise (admin:enterprise for changes) as an owner of the enterprise "%s".'
                    % (', '.join(_scopes(response.headers) or []) or 'no scopes', self.enterprise), status=403)
            if kind == 'FORBIDDEN':
                raise PermissionDeniedError(
                    'The owner of ghec_token is not an owner of the GHEC enterprise "%s" (GitHub says: %s). Use an '
                    'enterprise owner\'s token.' % (self.enterprise, error.get('message')), status=403)
        others = [e for e in errors if e.get('type') != 'NOT_FOUND']
        if others:
            raise GhesConnectError('GHEC GraphQL error: %s' % '; '.join(str(e.get('message')) for e in others))
        return data


# -- decoding: every documented field checked, so a reply GHEC changed is an error that says so --
def _expect(value, kind, field, asked):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UnexpectedAnswerError(
            'GHEC answered %s unexpectedly: %s is %s, expected %s. Nothing was concluded from it; try again later, or '
            'report it to GitHub if it persists.'
            % (asked, field, 'missing' if value is None else 'a %s' % type(value).__name__,
               {dict: 'an object', list: 'a list', str: 'a string', int: 'a number'}.get(kind, kind.__name__)))
    return value


def _installations_connection(data, page):
    where = INSTALLATIONS_ASKED + (' (page %d)' % page if page > 1 else '')
    enterprise = _expect(data.get('enterprise'), dict, 'enterprise', where)
    owner_info = _expect(enterprise.get('ownerInfo'), dict, 'enterprise.ownerInfo', where)
    connection = _expect(owner_info.get('enterpriseServerInstallations'), dict,
                         'ownerInfo.enterpriseServerInstallations', where)
    _expect(connection.get('nodes'), list, 'enterpriseServerInstallations.nodes', where)
    return connection


def _installation_node(node, index):
    """One installation as GraphQL gave it, its documented fields checked (``isConnected`` None: not said)."""
    where = 'installation %d' % (index + 1)
    node = _expect(node, dict, where, INSTALLATIONS_ASKED)
    for field in ('hostName', 'updatedAt', 'createdAt', 'customerName', 'id'):
        if node.get(field) is not None:
            _expect(node[field], str, '%s.%s' % (where, field), INSTALLATIONS_ASKED)
    if node.get('isConnected') is not None and not isinstance(node['isConnected'], bool):
        _expect(node['isConnected'], bool, '%s.isConnected' % where, INSTALLATIONS_ASKED)
    uploads = node.get('userAccountsUploads')
    if uploads is not None:
        _expect(_expect(uploads, dict, '%s.userAccountsUploads' % where, INSTALLATIONS_ASKED).get('nodes') or [],
                list, '%s.userAccountsUploads.nodes' % where, INSTALLATIONS_ASKED)
    return node


def _sync_record(record, index, asked):
    where = 'server_instances[%d]' % index
    record = _expect(record, dict, where, asked)
    if record.get('hostname') is not None:
        _expect(record['hostname'], str, where + '.hostname', asked)
    if record.get('last_sync') is not None:
        _expect(record['last_sync'], dict, where + '.last_sync', asked)
    return record


def _statistics_entry(entry, index, asked):
    where = 'entry %d' % index
    entry = _expect(entry, dict, where, asked)
    connect = entry.get('github_connect')
    if connect is not None:
        features = _expect(connect, dict, where + '.github_connect', asked).get('features_enabled')
        if features is not None:
            _expect(features, list, where + '.github_connect.features_enabled', asked)
    return entry


# -- the enterprise-wide reads split by host name (see EnterpriseReadCache.get_part) ----------
# Every part is the list of what GHEC has under that name (normalised: no case, no trailing dot);
# _ghec.identity chooses among them, so modules, scan and inventory plugin pick alike.
def installations_by_host(read):
    """``({enterprise, host_names, total}, {host name: [installations]})``.

    ``host_names`` quotes a few of the names GHEC lists, for the message that says a name is not among them.
    """
    enterprise, nodes = read
    parts = {}
    for node in nodes:
        parts.setdefault(normalise(node.get('hostName')) or '', []).append(node)
    names = sorted(name for name in parts if name)
    return {'enterprise': enterprise, 'host_names': names[:NAMES_QUOTED], 'total': len(names)}, parts


def sync_records_by_host(status):
    """``({observed_at}, {host name: [sync records]})``."""
    parts = {}
    for record in status['server_instances']:
        parts.setdefault(normalise(record.get('hostname')) or '', []).append(record)
    return _clock_of(status), parts


def latest_statistics_by_host(read):
    """``({observed_at}, {host name: {collection_date, features_enabled, server_id}})`` from each host's latest entry.

    ``features_enabled`` is None when the entry does not list the Connect features; ``server_id`` None when it has none.
    """
    latest = {}
    for entry in read['statistics']:
        host = normalise(entry.get('host_name')) or ''
        date = entry.get('collection_date') if isinstance(entry.get('collection_date'), str) else ''
        if host not in latest or date > (latest[host].get('collection_date') or ''):
            latest[host] = dict(entry, collection_date=date or None)
    return _clock_of(read), dict(
        (host, {'collection_date': entry.get('collection_date'), 'server_id': _text_or_none(entry.get('server_id')),
                'features_enabled': _features_enabled(entry)})
        for host, entry in latest.items())


def _features_enabled(entry):
    """The Connect features a statistics entry lists as on, or None when it lists none (not said is not "off")."""
    connect = entry.get('github_connect')
    features = connect.get('features_enabled') if isinstance(connect, dict) else None
    if not isinstance(features, list):
        return None
    return [feature for feature in features if isinstance(feature, str)]


def _text_or_none(value):
    """A text field as the answer holds it; None when it is missing or of another type (never a made-up id)."""
    return value if isinstance(value, str) and value else None


def _clock_of(read):
    return {'observed_at': read['observed_at'], 'clock_warning': read.get('clock_warning')}


def ghec_clock(headers, asked):
    """``{observed_at, clock_warning}``: the moment of GHEC's answer by its ``Date`` header.

    Without a readable ``Date`` (a proxy may drop it) the controller's clock stands in, and
    ``clock_warning`` says so: ages are then only as right as the controller's clock.
    """
    value = headers.get('date')
    moment = _http_date(value)
    if moment is not None:
        return {'observed_at': moment.isoformat(), 'clock_warning': None}
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return {'observed_at': now.isoformat(),
            'clock_warning': ('GHEC answered %s %s: ages are measured on the controller\'s clock instead of GHEC\'s, '
                              'so a controller clock that is off shifts them' % (
                                  asked, 'with an unreadable Date header (%r)' % value if value else 'without a Date header'))}


def _http_date(value):
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.timezone.utc)


def _scopes(headers):
    if 'x-oauth-scopes' not in headers:
        return None
    return [s.strip() for s in headers['x-oauth-scopes'].split(',') if s.strip()]


def _bad_token(exc):
    return exc.reworded('GHEC refused ghec_token (401 Bad credentials): it is wrong, expired or revoked.')


def _multipart(fields, file_field, filename, content):
    boundary = 'ghes-connect-%s' % os.urandom(16).hex()
    lines = []
    for name, value in fields.items():
        if name == file_field:
            continue  # the form's empty file input: a browser sends only the file part under that name
        lines.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, value))
    head = ''.join(lines) + ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                             'Content-Type: application/json\r\n\r\n' % (boundary, file_field, filename))
    body = head.encode('utf-8') + content + ('\r\n--%s--\r\n' % boundary).encode('utf-8')
    return body, 'multipart/form-data; boundary=%s' % boundary
