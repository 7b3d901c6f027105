# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.redact import MASK, redact, scrub_text


def test_known_secret_values_are_masked_anywhere_in_text():
    assert scrub_text('login failed for s3cr3t-pass at host', ['s3cr3t-pass']) == 'login failed for %s at host' % MASK


def test_settings_object_secrets_are_masked_by_key_and_innocent_values_kept():
    settings = {
        'private_mode': False,
        'admin_password': 'p4ss',
        'ldap': {'host': 'ldap.example.com', 'password': 'ldap-pw'},
        'github_oauth': {'client_id': 'abc', 'client_secret': 'xyz'},
        'customer': {'name': 'Acme', 'secret_key_data': '-----BEGIN PGP-----'},
        'license': {'supportKey': True},
        'users': 'ZW5jcnlwdGVk',
    }
    shown = redact(settings)
    assert shown['admin_password'] == MASK
    assert shown['ldap'] == {'host': 'ldap.example.com', 'password': MASK}
    assert shown['github_oauth']['client_secret'] == MASK and shown['github_oauth']['client_id'] == 'abc'
    assert shown['customer']['secret_key_data'] == MASK and shown['customer']['name'] == 'Acme'
    assert shown['license']['supportKey'] is True
    assert shown['private_mode'] is False
    assert shown['users'] == MASK


def test_short_values_are_not_scrubbed_everywhere():
    assert scrub_text('version 1 of 1', ['1']) == 'version 1 of 1'


def test_authorization_url_is_shown_but_an_authorization_header_is_not():
    shown = redact({'authorization_url': 'https://github.com/enterprise_connect/authorize?request=1',
                    'Authorization': 'token ghp_abcdef'})
    assert shown['authorization_url'].startswith('https://github.com/')
    assert shown['Authorization'] == MASK


def test_every_secret_of_a_large_set_is_found_wherever_it_is():
    secrets = ['pw-%05d-secret' % i for i in range(3000)] + ['tok']      # 'tok' is too short to scrub
    text = 'a pw-00017-secret b pw-02999-secret c pw-00017-secret tok'
    assert scrub_text(text, secrets) == 'a %s b %s c %s tok' % (MASK, MASK, MASK)
    assert redact({'records': [{'error': 'x pw-01234-secret y'}]}, secrets) == {'records': [{'error': 'x %s y' % MASK}]}


def test_a_string_is_checked_by_its_own_characters_never_against_every_known_secret():
    """A fleet scan's result has thousands of strings and thousands of secrets: secrets x strings would take seconds."""
    from ansible_collections.ghes.connect.plugins.module_utils._common.redact import Scrubber

    class NotToBeWalked(dict):
        def __iter__(self):
            raise AssertionError('every known secret was walked for one string')

        def keys(self):
            raise AssertionError('every known secret was walked for one string')

    scrub = Scrubber(['pw-%05d-secret' % i for i in range(3000)])
    scrub._by_start = NotToBeWalked(scrub._by_start)
    assert scrub('in_sync pw-00042-secret ghec_graphql') == 'in_sync %s ghec_graphql' % MASK


def test_a_secret_containing_another_is_masked_whole():
    assert scrub_text('key=abcd-efgh-ijkl', ['abcd', 'abcd-efgh-ijkl']) == 'key=%s' % MASK
    assert scrub_text('key=abcd-efgh', ['efgh', 'abcd-efgh']) == 'key=%s' % MASK


def test_every_form_of_a_secret_is_masked():
    import base64
    import urllib.parse
    from ansible_collections.ghes.connect.plugins.module_utils._common.redact import Scrubber, basic_auth_form
    secret = 'p@ss w/rd\u00e9\n'
    scrub = Scrubber([secret, basic_auth_form('api_key', secret)])
    texts = [
        secret,
        repr(secret),
        "Invalid header value %r" % ('token ' + secret).encode('utf-8'),
        "Invalid header value %r" % ('token ' + secret).encode('latin-1'),
        urllib.parse.quote(secret, safe=''),
        urllib.parse.quote_plus(secret),
        '{"password": %s}' % __import__('json').dumps(secret),
        'Authorization: Basic ' + base64.b64encode(('api_key:' + secret).encode('utf-8')).decode('ascii'),
    ]
    for text in texts:
        shown = scrub(text)
        assert 'w/rd' not in shown and 'w%2Frd' not in shown and 'cGFzc' not in shown, (text, shown)
        assert 'YXBpX2tleT' not in shown, (text, shown)
