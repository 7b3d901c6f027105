# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scripted answers in the shapes docs/interfaces.md documents and the simulator serves.

JSON answers are built here (small, from docs/interfaces.md); console pages come from the
simulator's own page builders (tests/simulator/console_pages.py, which import nothing from
plugins/), so a page here is byte for byte one the simulator would serve.
Each ``*_calls`` helper returns the expected calls of one step, in order.
"""

from __future__ import annotations

import datetime
import random

from ansible_collections.ghes.connect.tests.simulator import console_pages
from ansible_collections.ghes.connect.tests.simulator.appliance import Appliance as SimulatedAppliance
from ansible_collections.ghes.connect.tests.unit.plugins.action.scripted_http import Call

GHES = 'https://ghes-1.example.com'
MANAGE = 'https://ghes-1.example.com:8443'
GHEC = 'https://api.ghec.test'
WEB = 'https://ghec.test/web'
SLUG = 'acme'
HOSTNAME = 'ghes-1.example.com'
SERVER_ID = '3a706db1-cf92-4d20-94e7-8337953dd784'
# GHEC's clock (its Date header): sync ages are measured against it, never the controller's.
NOW = '2026-12-01T12:00:00Z'
NOW_EPOCH = 1796126400.0
DATE_HEADER = {'Date': 'Tue, 01 Dec 2026 12:00:00 GMT'}
CSRF = 'csrf-token-1'
AUTHORIZE = WEB + '/enterprise_connect/authorize?request=r-1'

GHEC_TOKEN = 'ghp_ghecOwnerToken0123456789'
MANAGE_PASSWORD = 'm@nage pass'
CONSOLE_PASSWORD = 'console-pass-1'
SECRETS = (GHEC_TOKEN, MANAGE_PASSWORD, CONSOLE_PASSWORD)


def reasons(state):
    """``{field: reason}`` of what a result says is unknown (its ``unknown``, the list ``[{field, reason}]``)."""
    assert isinstance(state['unknown'], list), state['unknown']
    return dict((u['field'], u['reason']) for u in state['unknown'])


def host_vars(**override):
    """The host variables of one appliance, as an inventory hands them over."""
    variables = {
        'inventory_hostname': 'ghes-1',
        'ghes_url': GHES, 'ghes_manage_password': MANAGE_PASSWORD,
        'ghes_console_username': 'ghe-admin', 'ghes_console_password': CONSOLE_PASSWORD,
        'ghes_enterprise_slug': 'github', 'ghes_retries': 0,
        'ghec_url': GHEC, 'ghec_web_url': WEB, 'ghec_token': GHEC_TOKEN, 'ghec_enterprise': SLUG,
    }
    variables.update(override)
    return dict((k, v) for k, v in variables.items() if v is not None)


def days_ago(days):
    """An ISO date ``days`` before GHEC's clock."""
    moment = datetime.datetime(2026, 12, 1, 12, 0, 0) - datetime.timedelta(days=days)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def settled(*calls):
    """Reads of the state a write left: the module may verify it as often as it likes (``Call.repeat``)."""
    for call in calls:
        call.repeat = True
    return list(calls)


# -- Manage API (docs/interfaces.md §1) ------------------------------------------------------
def version_calls(version='3.14.2', hostname=HOSTNAME, manage=MANAGE):
    """The version, then the configured host name GHEC knows the appliance by."""
    release = {'version': version, 'platform': 'azure', 'build_id': '279d8f9924', 'build_date': '2025-09-01'}
    settings = {'github_hostname': hostname, 'private_mode': False, 'customer': {'uuid': SERVER_ID, 'name': 'Acme Corp'}}
    return [Call('GET', manage + '/manage/v1/version', json=[{'hostname': 'ghes-1-primary', 'version': release}]),
            Call('GET', manage + '/manage/v1/config/settings', json=settings)]


def maintenance_call(status='off', manage=MANAGE):
    return Call('GET', manage + '/manage/v1/maintenance',
                json=[{'hostname': 'ghes-1-primary', 'status': status, 'scheduled_time': None,
                       'connection_services': [], 'can_unset_maintenance': True, 'ip_exception_list': [],
                       'maintenance_mode_message': ''}])


def license_call(croquet=True, manage=MANAGE):
    return Call('GET', manage + '/manage/v1/config/license',
                json={'advancedSecurityEnabled': False, 'clusterSupport': False, 'company': 'Acme Corp',
                      'croquetSupport': croquet, 'evaluation': False, 'expireAt': '2027-12-01T12:00:00Z',
                      'perpetual': False, 'seats': 100, 'seatsInUse': 42, 'sshAllowed': True,
                      'supportKey': 'ssh-rsa AAAA', 'unlimitedSeating': False})


def config_apply_call(running=False, manage=MANAGE):
    return Call('GET', manage + '/manage/v1/config/apply',
                json={'running': running, 'successful': not running,
                      'nodes': [{'run_id': '55f1b6e7', 'hostname': 'ghes-1-primary', 'running': running,
                                 'successful': not running}]})


# -- GHEC (docs/interfaces.md §4, §5) --------------------------------------------------------
def installation(host=HOSTNAME, connected=True, node_id='ESI_1', updated=None, uploads=()):
    return {'id': node_id, 'hostName': host, 'customerName': 'Acme Corp', 'isConnected': connected,
            'createdAt': days_ago(30), 'updatedAt': updated or days_ago(1),
            'userAccountsUploads': {'nodes': list(uploads)}}


def installations_call(*nodes):
    """GHEC GraphQL: the enterprise's server installations (one page)."""
    def is_installations_query(request):
        body = request.json()
        assert 'enterpriseServerInstallations' in body['query'] and body['variables']['slug'] == SLUG, body

    return Call('POST', GHEC + '/graphql', headers=DATE_HEADER, check=is_installations_query, json={'data': {
        'enterprise': {'slug': SLUG, 'name': 'Acme Corp', 'viewerIsAdmin': True, 'ownerInfo': {
            'enterpriseServerInstallations': {'nodes': list(nodes),
                                              'pageInfo': {'hasNextPage': False, 'endCursor': None},
                                              'totalCount': len(nodes)}}}}})


def sync_record(host=HOSTNAME, days=1, status='success', error='', server_id=SERVER_ID):
    return {'server_id': server_id, 'hostname': host,
            'last_sync': {'date': days_ago(days), 'status': status, 'error': error}}


def sync_status_call(*records):
    return Call('GET', GHEC + '/enterprises/%s/license-sync-status' % SLUG, headers=DATE_HEADER,
                json={'server_instances': list(records)})


def statistics(host=HOSTNAME, features=('license_usage_sync',), days=0, server_id=SERVER_ID):
    """One day's server statistics as GHEC keeps them: which Connect features were on."""
    return {'server_id': server_id, 'collection_date': days_ago(days), 'host_name': host,
            'github_connect': {'features_enabled': list(features)}}


def statistics_call(*collections):
    return Call('GET', GHEC + '/enterprise-installation/%s/server-statistics' % SLUG, headers=DATE_HEADER,
                json=list(collections))


# -- the site-admin console (docs/interfaces.md §6, our model) ------------------------------
def simulated(version='3.14.2', connected=False, license_sync=False, pending=False, target='github_com',
              layout='default'):
    """The simulator's model of an appliance, for its page builders."""
    fields = {'version': version, 'connected': connected, 'connected_enterprise': SLUG if connected else None,
              'target': target if connected else None, 'console_layout': layout}
    appliance = SimulatedAppliance('ghes-1', fields, random.Random(1), NOW_EPOCH)
    if license_sync:
        appliance.set_feature('license_usage_sync', True, NOW_EPOCH)
    if pending:
        appliance.pending = {'id': 'r-1', 'url': AUTHORIZE, 'target': target, 'subdomain': None,
                             'requested_at': NOW_EPOCH}
    return appliance


CONNECT_PATH = '/enterprises/github/settings/dotcom_connection'
CONNECT_PAGE = GHES + CONNECT_PATH
SYNC_BUTTON = GHES + CONNECT_PATH + '/features/license_usage_sync'


def sign_in_calls():
    """GET /login (its CSRF token), POST /session: signed in (a new session, 302 home)."""
    def credentials(request):
        form = request.form()
        assert form['login'] == 'ghe-admin' and form['password'] == CONSOLE_PASSWORD, form
        assert form['authenticity_token'] == CSRF, form

    return [Call('GET', GHES + '/login', html=console_pages.login_page(CSRF, '/')),
            Call('POST', GHES + '/session', status=302, check=credentials,
                 headers={'Location': GHES + '/', 'Set-Cookie': '_gh_sess=s2; Path=/; Secure; HttpOnly'})]


def connect_page_call(appliance, expired=False):
    return Call('GET', CONNECT_PAGE, html=console_pages.connect_page(appliance, CSRF, expired=expired))


def console_read_calls(appliance):
    """Signed in, then the Connect page of ``appliance``."""
    return sign_in_calls() + [connect_page_call(appliance)]


def form_post(url, status=302, location=None, expect=None, **answer):
    """A console form POST (a write); ``expect``: the form fields it must carry."""
    def fields(request):
        form = request.form()
        for key, value in (expect or {}).items():
            assert form.get(key) == value, 'form field %s=%r, expected %r (%r)' % (key, form.get(key), value, form)

    headers = dict(answer.pop('headers', {}))
    if location:
        headers['Location'] = location
    return Call('POST', url, status=status, headers=headers, check=fields, **answer)


def sudo_calls(return_to=CONNECT_PATH):
    """The console asks for the password again (sudo) and takes it."""
    def password(request):
        assert request.form()['sudo_password'] == CONSOLE_PASSWORD

    return Call('POST', GHES + '/sessions/sudo', status=302, headers={'Location': GHES + return_to}, check=password)
