# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every page or no count: the paging of consumed licenses, and each way a page can go missing."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import AuthenticationError, UnexpectedAnswerError
from ansible_collections.ghes.connect.plugins.module_utils._seats.consumed import SeatsUnreadable, next_page, read_consumed
from ansible_collections.ghes.connect.tests.unit.plugins.module_utils._seats.fakes import PATH, Pages, client, ghec_only, row


def pages_of(count, size=100):
    return [[ghec_only('u%d-%d' % (page, k)) for k in range(size)] for page in range(count)]


def test_every_page_is_read_in_order(monkeypatch):
    answers = Pages(pages_of(2, size=100) + [[ghec_only('u2-%d' % k) for k in range(7)]])
    read = read_consumed(client(monkeypatch, answers))
    assert answers.asked == [1, 2, 3]
    assert (read['purchased'], read['consumed'], read['pages'], len(read['people'])) == (10, 207, 3, 207)
    assert [p.index for p in read['people']] == list(range(207))


def test_one_page_without_a_link_is_the_whole_answer(monkeypatch):
    read = read_consumed(client(monkeypatch, Pages([[ghec_only('a')]])))
    assert read['pages'] == 1 and len(read['people']) == 1


def test_a_failing_page_makes_the_model_unreadable_never_smaller(monkeypatch):
    with pytest.raises(SeatsUnreadable, match='Page 2 of .* could not be read'):
        read_consumed(client(monkeypatch, Pages(pages_of(3), statuses={2: 500})))


def test_a_refused_first_page_is_the_token_s_problem_not_an_unknown_count(monkeypatch):
    with pytest.raises(AuthenticationError):
        read_consumed(client(monkeypatch, Pages(pages_of(2), statuses={1: 401})))


def test_a_refusal_after_the_first_page_is_an_unknown_count(monkeypatch):
    with pytest.raises(SeatsUnreadable, match='Page 2 .* refused after page 1'):
        read_consumed(client(monkeypatch, Pages(pages_of(2), statuses={2: 403})))


def test_a_link_that_skips_a_page_is_noticed(monkeypatch):
    with pytest.raises(SeatsUnreadable, match='Page 1 .* links to page 3'):
        read_consumed(client(monkeypatch, Pages(pages_of(3), links={1: 3})))


def test_an_empty_page_that_links_on_is_noticed(monkeypatch):
    with pytest.raises(SeatsUnreadable, match='Page 2 .* is empty but links'):
        read_consumed(client(monkeypatch, Pages([pages_of(1)[0], [], pages_of(1)[0]], consumed=200)))


def test_fewer_people_than_seats_consumed_is_a_missing_page(monkeypatch):
    with pytest.raises(SeatsUnreadable, match='says 150 seats are consumed but .* list 100 people'):
        read_consumed(client(monkeypatch, Pages(pages_of(1), consumed=150)))


def test_totals_that_change_between_pages_are_noticed(monkeypatch):
    with pytest.raises(SeatsUnreadable, match='changed while its pages were read'):
        read_consumed(client(monkeypatch, Pages(pages_of(2), purchased_on={2: 11})))


def test_a_row_of_another_shape_stops_the_read(monkeypatch):
    bad = row('x', ghec=True)
    bad['github_com_user'] = 'yes'
    with pytest.raises(UnexpectedAnswerError, match=r'users\[1\].github_com_user is a str'):
        read_consumed(client(monkeypatch, Pages([[ghec_only('a'), bad]])))


@pytest.mark.parametrize('link, expected', [
    (None, None),
    ('<https://ghec.test%s?per_page=100&page=1>; rel="first"' % PATH, None),
    ('<https://ghec.test%s?per_page=100&page=4>; rel="next"' % PATH, 4),
    ('<https://ghec.test/api/v3%s?page=2&per_page=100>; rel="next"' % PATH, 2),
    ('<https://ghec.test/elsewhere?page=2>; rel="next"', 0),
    ('<https://ghec.test%s?per_page=100>; rel="next"' % PATH, 0),
])
def test_next_page(link, expected):
    assert next_page(link, PATH) == expected


def test_a_person_listed_on_two_pages_is_a_list_that_moved_never_two_seats(monkeypatch):
    # A row inserted before page 2 while page 1 was read pushes page 1's last row onto page 2: the totals
    # stay the same, the pages hold as many rows as seats, and one person would be counted twice.
    moved = [[ghec_only('a'), ghec_only('b')], [ghec_only('B'), ghec_only('c')]]
    with pytest.raises(SeatsUnreadable, match=r'login b .*users\[1\] on page 1 and users\[2\] on page 2'):
        read_consumed(client(monkeypatch, Pages(moved, consumed=4)))


def test_a_ghes_account_in_two_rows_is_not_two_people(monkeypatch):
    twice = [[row(ids=['ghes-1.example.com:7'], ghes=True)], [row(ids=['GHES-1.example.com.:7'], ghes=True)]]
    with pytest.raises(SeatsUnreadable, match=r'GHES account ghes-1.example.com:7 .*users\[0\] on page 1 and users\[1\]'):
        read_consumed(client(monkeypatch, Pages(twice)))
    once_more = [[row(ids=['ghes-1.example.com:7', 'ghes-1.example.com:7'], ghes=True)]]
    with pytest.raises(SeatsUnreadable, match=r'GHES account ghes-1.example.com:7 .*users\[0\] on page 1 and users\[0\]'):
        read_consumed(client(monkeypatch, Pages(once_more)))


def test_rows_without_an_identity_are_never_called_one_person(monkeypatch):
    # Two Visual Studio subscribers with no login and no GHES account: nothing says they are one person.
    subscribers = [row(vs=True, vs_status='matched'), row(vs=True, vs_status='matched')]
    read = read_consumed(client(monkeypatch, Pages([subscribers + [ghes_only_row('x:1'), ghes_only_row('y:1')]])))
    assert len(read['people']) == 4


def ghes_only_row(user_id):
    return row(ids=[user_id], ghes=True)
