# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seat model's counts, the unknown model, the summary line and the masking of addresses."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import UnexpectedAnswerError
from ansible_collections.ghes.connect.plugins.module_utils._seats.masking import mask_email
from ansible_collections.ghes.connect.plugins.module_utils._seats.model import seat_model, summary, unknown_model
from ansible_collections.ghes.connect.plugins.module_utils._seats.people import decode
from ansible_collections.ghes.connect.tests.unit.plugins.module_utils._seats.fakes import NOW, ghec_only, ghes_only, people, row

STATUS = {'observed_at': NOW, 'server_instances': []}


def model(*rows, purchased=3, consumed=None):
    read = {'purchased': purchased, 'consumed': len(rows) if consumed is None else consumed, 'pages': 1,
            'people': people(*rows)}
    return seat_model(read, STATUS, enterprise='acme')


def test_counts_per_deployment_visual_studio_and_over_allocation():
    unclassified = row('u', ghec=True)
    unclassified['enterprise_server_user'] = None
    result = model(row('a', ids=['h:1'], ghec=True, ghes=True, verified=['a@c.example']), ghec_only('b'),
                   ghes_only('c@c.example'), row(vs=True, vs_status='pending', license_type='visual_studio'),
                   row('d', ghec=True, vs=True, vs_status=None, verified=['d@c.example']), unclassified)
    assert result['people'] == {'both': 1, 'ghec_only': 2, 'ghes_only': 1, 'neither': 1, 'unclassified': 1, 'total': 6}
    assert result['visual_studio'] == {'subscribers': 2, 'by_status': {'pending': 1, 'not reported': 1}}
    assert result['license_types'] == {'enterprise': 5, 'visual_studio': 1}
    assert (result['over_allocated'], result['available']) == (3, 0)
    assert result['no_verified_domain_email'] == 2     # b and u
    line = summary(result)
    assert line.startswith('Seats: 6 consumed of 3 purchased (over-allocated by 3); 1 on both GHEC and GHES, 2 GHEC only, '
                           '1 GHES only, 1 not classified; 0 likely counted twice')


def test_the_unknown_model_has_no_number_only_the_reason():
    result = unknown_model('Page 3 could not be read', enterprise='acme')
    assert result['known'] is False and 'consumed' not in result and 'people' not in result
    assert summary(result) == 'Seats: unknown - Page 3 could not be read'


def test_the_summary_names_appliances_not_heard_from():
    result = model(ghec_only('a'))
    result['not_heard_from'] = [{'host_name': 'h.example.com', 'inventory': ['ams']}]
    assert summary(result).endswith('; 1 appliance not heard from recently (ams).')


@pytest.mark.parametrize('address, masked', [
    ('dana.reyes@corp.example', 'd***@corp.example'),
    ('x@y', 'x***@y'),
    ('no-address', '***'),
    ('@corp.example', '***'),
])
def test_mask_email(address, masked):
    assert mask_email(address) == masked


@pytest.mark.parametrize('field, value', [
    ('github_com_user', None), ('total_user_accounts', True), ('enterprise_server_emails', ['a', 1]),
    ('github_com_login', None), ('license_type', 3),
])
def test_a_field_not_as_documented_is_named(field, value):
    bad = row('a', ghec=True)
    bad[field] = value
    with pytest.raises(UnexpectedAnswerError, match=r'users\[4\]\.%s' % field):
        decode(bad, 4, 'acme')


def test_a_documented_null_is_accepted_and_a_missing_field_is_not():
    nullable = row('a', ghec=True)
    nullable['github_com_saml_name_id'] = None
    assert decode(nullable, 0, 'acme').name_id is None
    del nullable['github_com_saml_name_id']
    with pytest.raises(UnexpectedAnswerError, match='missing or null'):
        decode(nullable, 0, 'acme')
