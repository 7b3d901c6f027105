# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.totp import totp

# RFC 6238 appendix B, SHA1 key "12345678901234567890" (last six digits of the 8-digit values).
RFC_SECRET = base64.b32encode(b'12345678901234567890').decode()


@pytest.mark.parametrize('when,code', [(59, '287082'), (1111111109, '081804'), (1234567890, '005924'),
                                       (2000000000, '279037')])
def test_rfc6238_vectors(when, code):
    assert totp(RFC_SECRET, now=when) == code


def test_secret_with_spaces_and_lower_case():
    assert totp(RFC_SECRET.lower()[:8] + ' ' + RFC_SECRET.lower()[8:], now=59) == '287082'


def test_bad_secret_names_the_option():
    with pytest.raises(InputError) as caught:
        totp('not base32 at all!', now=59)
    assert 'console_totp_secret' in caught.value.message
