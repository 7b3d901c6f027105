# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._argspec import (
    check_urls,
    default_manage_url,
    parse_duration,
)
from ansible_collections.ghes.connect.plugins.module_utils._errors import InputError


@pytest.mark.parametrize('text,seconds', [('8d', 691200), ('36h', 129600), ('90m', 5400), ('45s', 45),
                                          ('120', 120), ('1w', 604800), (' 2d ', 172800)])
def test_durations(text, seconds):
    assert parse_duration(text, 'max_sync_age') == seconds


@pytest.mark.parametrize('text', ['8 days', '-1d', '1.5d', 'd', '', 'P8D'])
def test_bad_durations_name_the_option(text):
    with pytest.raises(InputError) as caught:
        parse_duration(text, 'max_sync_age')
    assert 'max_sync_age' in caught.value.message


@pytest.mark.parametrize('url,needle', [
    ('http://ghes.example.com', 'https://'),
    ('ghes.example.com', 'https://'),
    ('https://', 'not a valid URL'),
    ('https://ghes.example.com:99999', 'invalid port'),
    ('https://api_key:pw@ghes.example.com', 'must not contain credentials'),
    ('https://ghes.example.com/?api_key=pw', 'query'),
    ('https://ghes example.com', 'not a valid URL'),
])
def test_bad_urls_fail_with_the_option_and_the_fix(url, needle):
    with pytest.raises(InputError) as caught:
        check_urls({'url': url})
    assert 'url' in caught.value.message and needle in caught.value.message
    assert 'pw' not in caught.value.message.replace('https://', '')


def test_manage_url_defaults_to_port_8443():
    assert default_manage_url('https://ghes.example.com') == 'https://ghes.example.com:8443'
    assert default_manage_url('https://ghes.example.com:443/') == 'https://ghes.example.com:8443'
