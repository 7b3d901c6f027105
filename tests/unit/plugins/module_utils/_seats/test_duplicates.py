# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each duplicate rule: a true pair it finds, and a look-alike it must leave alone."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._seats import duplicates
from ansible_collections.ghes.connect.plugins.module_utils._seats.duplicates import RULES, likely_duplicates, rule_table
from ansible_collections.ghes.connect.plugins.module_utils._seats.masking import shower
from ansible_collections.ghes.connect.tests.unit.plugins.module_utils._seats.fakes import ghec_only, ghes_only, people, row


def found(*rows, show=True):
    return likely_duplicates(people(*rows), shower(show))


@pytest.mark.parametrize('rule, server, cloud', [
    ('saml_name_id', 'Dana.Reyes@corp.example', ghec_only('dreyes', ['dreyes@corp.example'], 'dana.reyes@corp.example')),
    ('verified_email_case', 'min.kim@corp.example', ghec_only('mkim', ['Min.Kim@corp.example'])),
    ('local_part_other_domain', 'omar.haddad@legacy.example', ghec_only('ohaddad', ['omar.haddad@corp.example'])),
    ('local_part_other_domain', 'ana@legacy.example', ghec_only('ana1', [], 'ana@corp.example')),
    ('login_is_local_part', 'jlopez@corp.example', ghec_only('jlopez')),
    ('login_is_local_part', 'j.lopez@corp.example', ghec_only('j-lopez')),
])
def test_a_true_pair_is_found_by_its_rule(rule, server, cloud):
    result = found(ghes_only(server), cloud)
    assert result['count'] == 1 and result['by_rule'][rule] == 1, result
    pair = result['pairs'][0]
    assert pair['label'] == 'likely' and pair['rule'] == rule and pair['confidence'] == RULES[rule][0]
    assert pair['evidence'] and pair['fix'] and pair['ghec']['login'] == cloud['github_com_login']
    assert pair['ghes']['user_ids'] == ['ghes-1.example.com:1']


@pytest.mark.parametrize('server, cloud', [
    # a NameID that is a user name, not the GHES address
    (['p.nguyen@corp.example'], [ghec_only('pnguyen', ['phuong.nguyen@corp.example'], 'pnguyen')]),
    # one address a prefix of the other
    (['lee.park@corp.example'], [ghec_only('lparker', ['lee.parker@corp.example'])]),
    # a local part two GHES people share: no single person
    (['sam@legacy.example', 'sam@build.example'], [ghec_only('sam-corp', ['sam@corp.example'])]),
    # a local part two GHEC people share
    (['kai@legacy.example'], [ghec_only('kai1', [], 'kai@corp.example'), ghec_only('kai2', [], 'kai@other.example')]),
    # the login is the local part, but the GHEC user has another verified-domain address
    (['tchen@corp.example'], [ghec_only('tchen', ['tony.chen@corp.example'])]),
    # nothing alike at all
    (['a@corp.example'], [ghec_only('b', ['b@corp.example'])]),
])
def test_a_look_alike_is_not_paired(server, cloud):
    rows = [ghes_only(email, number=n) for n, email in enumerate(server)] + cloud
    assert found(*rows)['count'] == 0


def test_people_github_joined_are_never_candidates():
    joined = row('ana', ids=['h:1'], ghec=True, ghes=True, emails=['ana@corp.example'], verified=['ana@corp.example'])
    assert found(joined, ghes_only('ANA@corp.example'))['count'] == 0


def test_crowded_keys_are_counted_as_ambiguous_not_guessed():
    result = found(ghes_only('sam@legacy.example', number=1), ghes_only('sam@build.example', number=2),
                   ghec_only('sam-corp', ['sam@corp.example']))
    assert result['count'] == 0 and result['ambiguous'] == {'local_part_other_domain': 2}


def test_the_strongest_rule_wins_and_every_rule_that_holds_is_evidence():
    result = found(ghes_only('Jo@corp.example'), ghec_only('jo', [], 'jo@corp.example'))
    pair = result['pairs'][0]
    assert pair['rule'] == 'saml_name_id' and pair['confidence'] == 'high'
    assert len(pair['evidence']) == 2 and 'login jo' in pair['evidence'][1]


def test_one_ghec_person_is_paired_once():
    result = found(ghes_only('max@legacy.example', number=1), ghes_only('MAX@corp.example', number=2),
                   ghec_only('max', ['max@corp.example']))
    assert result['count'] == 1 and result['pairs'][0]['rule'] == 'verified_email_case'


def test_identical_addresses_say_the_sync_is_behind():
    pair = found(ghes_only('zoe@corp.example'), ghec_only('zoe', ['zoe@corp.example']))['pairs'][0]
    assert 'is identical to' in pair['evidence'][0] and 'already match' in pair['fix']


def test_addresses_are_masked_unless_shown():
    masked = found(ghes_only('omar.haddad@legacy.example'), ghec_only('ohaddad', ['omar.haddad@corp.example']),
                   show=False)['pairs'][0]
    text = repr(masked)
    assert 'omar' not in text and 'haddad@' not in text
    assert masked['ghes']['emails'] == ['o***@legacy.example'] and masked['ghec']['verified_emails'] == ['o***@corp.example']
    assert masked['ghec']['login'] == 'ohaddad'


def test_every_rule_is_documented_with_a_public_source():
    for rule in rule_table():
        assert rule['sources'] and all(s.startswith('https://docs.github.com/') for s in rule['sources'])
        assert rule['fix'] and rule['sees'] and rule['basis'] and rule['confidence'] in ('high', 'medium', 'low')


def enterprise(size):
    """``size`` people per hundred: 80 joined-like GHEC-only, 14 GHES-only, 6 in three pairs."""
    rows = []
    for i in range(size):
        slot = i % 100
        if slot < 80:
            rows.append(ghec_only('c%d' % i, ['c%d@corp.example' % i]))
        elif slot < 94:
            rows.append(ghes_only('s%d@corp.example' % i, number=i))
        elif slot % 2 == 0:
            rows.append(ghes_only('P%d@corp.example' % i, number=i))
        else:
            rows.append(ghec_only('p%d' % i, ['p%d@corp.example' % (i - 1)]))
    return people(*rows)


def test_the_analysis_is_linear_in_the_number_of_people(monkeypatch):
    # Counted, not timed (a timed test fails on a busy machine): every pair the analysis weighs goes through
    # _evidence, so a lookup that degenerated into comparing everyone with everyone shows here.
    weighed = []
    evidence = duplicates._evidence

    def counted(*args):
        weighed.append(1)
        return evidence(*args)

    monkeypatch.setattr(duplicates, '_evidence', counted)
    small, large = enterprise(5000), enterprise(40000)
    pairs = []
    for group in (small, large):
        del weighed[:]
        result = likely_duplicates(group, shower(False))
        pairs.append(len(weighed))
        assert result['count'] == len(group) // 100 * 3
    # 8 times the people: linear weighs 8 times the pairs; quadratic would be 64.
    assert 0 < pairs[1] <= pairs[0] * 9, pairs
