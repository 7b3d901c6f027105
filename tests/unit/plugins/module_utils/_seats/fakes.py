# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consumed-licenses rows and pages as GHEC answers them, for the seat tests (no network)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from ansible_collections.ghes.connect.plugins.module_utils._ghec.client import GhecClient
from ansible_collections.ghes.connect.plugins.module_utils._seats.people import decode
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, Response, RetryPolicy

BASE = 'https://ghec.test'
PATH = '/enterprises/acme/consumed-licenses'
DATE = 'Mon, 07 Dec 2026 12:00:00 GMT'
NOW = '2026-12-07T12:00:00+00:00'


def row(login='', ids=(), ghec=False, ghes=False, emails=(), verified=(), name_id=None, vs=False, vs_status=None,
        license_type='enterprise'):
    """One row in the documented shape (empty strings where GitHub's example has them)."""
    return {'github_com_login': login, 'github_com_name': login or None, 'enterprise_server_user_ids': list(ids),
            'github_com_user': ghec, 'enterprise_server_user': ghes, 'visual_studio_subscription_user': vs,
            'license_type': license_type, 'github_com_profile': None, 'github_com_member_roles': [],
            'github_com_enterprise_roles': [], 'github_com_verified_domain_emails': list(verified),
            'github_com_saml_name_id': name_id, 'github_com_orgs_with_pending_invites': [],
            'github_com_two_factor_auth': None, 'enterprise_server_emails': list(emails),
            'visual_studio_license_status': vs_status, 'visual_studio_subscription_email': None,
            'total_user_accounts': int(ghec) + len(ids)}


def ghes_only(email, host='ghes-1.example.com', number=1):
    return row(ids=['%s:%d' % (host, number)], ghes=True, emails=[email])


def ghec_only(login, verified=(), name_id=None):
    return row(login, ghec=True, verified=verified, name_id=name_id)


def people(*rows):
    return [decode(r, i, 'acme') for i, r in enumerate(rows)]


class Pages:
    """Answers GET PATH?page=N from ``pages`` (lists of rows), with a Link header like GHEC's; or ``answers[N]``."""

    def __init__(self, pages, purchased=10, consumed=None, links=None, statuses=None, purchased_on=None):
        self.pages = pages
        self.purchased = purchased
        self.purchased_on = purchased_on or {}
        self.consumed = sum(len(p) for p in pages) if consumed is None else consumed
        self.links = links or {}
        self.statuses = statuses or {}
        self.asked = []

    def __call__(self, method, url, data, headers, reusable=False):
        number = int(parse_qs(urlsplit(url).query)['page'][0])
        self.asked.append(number)
        if number in self.statuses:
            return Response(self.statuses[number], {}, b'{"message": "no"}', url)
        users = self.pages[number - 1] if number <= len(self.pages) else []
        body = {'total_seats_purchased': self.purchased_on.get(number, self.purchased), 'total_seats_consumed': self.consumed, 'users': users}
        following = self.links.get(number, number + 1 if number < len(self.pages) else None)
        headers = {'date': DATE}
        if following is not None:
            headers['link'] = '<%s%s?per_page=100&page=%d>; rel="next", <%s%s?per_page=100&page=%d>; rel="last"' % (
                BASE, PATH, following, BASE, PATH, len(self.pages))
        return Response(200, headers, json.dumps(body).encode(), url)


def client(monkeypatch, answers):
    monkeypatch.setattr(HttpClient, '_send', answers)
    http = HttpClient(BASE, 'GHEC', token='t', policy=RetryPolicy(retries=0, sleep=lambda s: None))
    return GhecClient(http, 'acme')
