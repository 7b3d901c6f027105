# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every page of GHEC's consumed-licenses, or the reason there is no complete answer.

``GET /enterprises/ENT/consumed-licenses`` is paged (``per_page`` up to 100, pages from 1, a
``Link`` header naming the next page). A seat count made from some of the pages would be
smaller than the truth and look like good news, so every page is read before anything is
concluded, and the read is complete only when:

- every page answered (a failure after the HTTP layer's retries ends the read);
- each ``Link: rel="next"`` names the page after the one just read, on the same path (a link
  that jumps ahead would skip people);
- no page before the last is empty, and the totals are the same on every page (GHEC's data
  did not change under the read);
- the pages hold at least as many people as ``total_seats_consumed`` says (each consumed seat
  is one person's row);
- no GHEC login and no GHES account (``HOST:ID``) is in two rows: a row added or removed on an
  earlier page while the read went on moves a row onto the next page, where it would be counted
  a second time (and another one missed) with the totals unchanged.

Anything else is ``SeatsUnreadable`` with the page and the reason: the model is then unknown.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    AuthenticationError,
    GhesConnectError,
    NotFoundError,
    PermissionDeniedError,
)
from ansible_collections.ghes.connect.plugins.module_utils._seats.people import ASKED, decode

PER_PAGE = 100
# 1,000,000 people: an answer that links further than that is not a list of people any more.
MAX_PAGES = 10000
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


class SeatsUnreadable(GhesConnectError):
    """The consumed licenses could not be read whole; the message says which page and why."""


def read_consumed(ghec):
    """``{purchased, consumed, people, pages}`` from every page, or SeatsUnreadable.

    ``ghec`` is a ``GhecClient``; ``people`` are ``people.Person`` in GHEC's order.
    """
    path = '/enterprises/%s/consumed-licenses' % quote(ghec.enterprise, safe='')
    asked = ASKED % ghec.enterprise
    people, totals, page, holders = [], None, 1, {}
    while True:
        try:
            response = ghec.rest_get(path, {'per_page': PER_PAGE, 'page': page})
        except (AuthenticationError, PermissionDeniedError, NotFoundError):
            if page == 1:
                raise   # the token or the enterprise is wrong: that is the answer, not an unknown count
            raise SeatsUnreadable(
                'Page %d of %s was refused after page 1 was read: without every page no seat count is given.' % (page, asked))
        except GhesConnectError as exc:
            raise SeatsUnreadable('Page %d of %s could not be read (%s): without every page no seat count is given.'
                                  % (page, asked, str(exc).rstrip('.')))
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get('users'), list):
            raise SeatsUnreadable('GHEC answered page %d of %s without a users list: no seat count was concluded.'
                                  % (page, asked))
        page_totals = tuple(body.get(key) for key in ('total_seats_purchased', 'total_seats_consumed'))
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in page_totals):
            raise SeatsUnreadable('GHEC answered page %d of %s without whole numbers for total_seats_purchased and '
                                  'total_seats_consumed (%r): no seat count was concluded.' % (page, asked, page_totals))
        if totals is None:
            totals = page_totals
        elif page_totals != totals:
            raise SeatsUnreadable('The totals of %s changed while its pages were read (page 1: %d purchased, %d consumed; '
                                  'page %d: %d, %d): run again for a consistent count.'
                                  % (asked, totals[0], totals[1], page, page_totals[0], page_totals[1]))
        for row in body['users']:
            person = decode(row, len(people), ghec.enterprise)
            _refuse_second_row(person, page, holders, asked)
            people.append(person)
        following = next_page(response.headers.get('link'), path)
        if following is None:
            break
        if following != page + 1:
            raise SeatsUnreadable('Page %d of %s links to page %s as the next one: the pages between would be missed, so '
                                  'no seat count was concluded.' % (page, asked, following))
        if not body['users']:
            raise SeatsUnreadable('Page %d of %s is empty but links to a next page: no seat count was concluded.'
                                  % (page, asked))
        if page >= MAX_PAGES:
            raise SeatsUnreadable('%s goes on past %d pages: stopped instead of spending the token\'s hourly budget.'
                                  % (asked, MAX_PAGES))
        page = following
    if len(people) < totals[1]:
        raise SeatsUnreadable('GHEC says %d seats are consumed but its %d pages of %s list %d people: a page is missing, so '
                              'no seat count was concluded.' % (totals[1], page, asked, len(people)))
    return {'purchased': totals[0], 'consumed': totals[1], 'people': people, 'pages': page}


def _refuse_second_row(person, page, holders, asked):
    """Note ``person``'s identities in ``holders`` ({key: (index, page)}), or SeatsUnreadable when a row already had one."""
    for what, key in person.identities():
        if (what, key) in holders:
            index, on_page = holders[what, key]
            raise SeatsUnreadable('GHEC lists the %s %s twice in %s (users[%d] on page %d and users[%d] on page %d): its '
                                  'list changed while the pages were read, so no seat count was concluded; run again.'
                                  % (what, key, asked, index, on_page, person.index, page))
        holders[what, key] = (person.index, page)


def next_page(link, path):
    """The page number the ``Link`` header's ``rel="next"`` names, None when there is none.

    A next link to another path, or without a page number, is a page that cannot be followed: 0.
    """
    match = _NEXT.search(link or '')
    if match is None:
        return None
    url = urlsplit(match.group(1))
    pages = parse_qs(url.query).get('page') or []
    if not url.path.rstrip('/').endswith(path.rstrip('/')):
        return 0
    try:
        return int(pages[0])
    except (IndexError, ValueError):
        return 0
