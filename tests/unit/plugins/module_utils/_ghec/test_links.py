# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._ghec.links import PersonLinks

GITHUB = PersonLinks('https://github.com')
PREFIXED = PersonLinks('https://127.0.0.1:8443/web')
GHE_COM = PersonLinks('https://github.com', target='ghe_com', subdomain='acme')


@pytest.mark.parametrize('links,url', [
    (GITHUB, 'https://github.com/enterprise_connect/authorize?request=1'),
    (GITHUB, 'https://GitHub.com:443/login/oauth/authorize?client_id=x&state=y'),
    (PREFIXED, 'https://127.0.0.1:8443/web/enterprise_connect/authorize?request=1'),
    (GHE_COM, 'https://acme.ghe.com/enterprise_connect/authorize?request=1'),
    (GHE_COM, 'https://github.com/enterprise_connect/authorize'),
])
def test_https_pages_of_the_configured_web_host_are_shown(links, url):
    assert links.check(url) == (url, None)


@pytest.mark.parametrize('links,url,problem', [
    (GITHUB, 'http://github.com/enterprise_connect/authorize', 'is not https'),
    (GITHUB, 'https://github.com.evil.example/authorize', 'points elsewhere'),
    (GITHUB, 'https://evil.example/github.com/authorize', 'points elsewhere'),
    (GITHUB, 'https://github.com@evil.example/authorize', 'carries a user name'),
    (GITHUB, 'https://github.com:8443/authorize', 'points elsewhere'),
    (GITHUB, 'https://github.com/a b', 'holds characters no URL may'),
    (GITHUB, 'https://github.com/a|b', 'holds characters no URL may'),
    (GITHUB, 'https://github.com/x\nhttps://evil.example', 'holds characters no URL may'),
    (GITHUB, 'javascript:alert(1)', 'is not https'),
    (GITHUB, '//evil.example/x', 'is not https'),
    (PREFIXED, 'https://127.0.0.1:8443/other/authorize', 'points elsewhere'),
    (PREFIXED, 'https://127.0.0.1:8443/webevil/authorize', 'points elsewhere'),
    (PREFIXED, 'https://127.0.0.1:8443/web/../evil', 'climbs out of its path'),
    (PREFIXED, 'https://127.0.0.1:8443/web/%2E%2e/evil', 'climbs out of its path'),
    (GITHUB, 'https://acme.ghe.com/authorize', 'points elsewhere'),
    (GHE_COM, 'https://other.ghe.com/authorize', 'points elsewhere'),
])
def test_anything_else_is_withheld_with_a_reason_that_never_holds_the_link(links, url, problem):
    shown, why = links.check(url)
    assert shown is None and problem in why and 'withheld' in why
    assert 'evil' not in why and url not in why


def test_no_link_is_no_reason():
    assert GITHUB.check(None) == (None, None)


def test_from_params_reads_the_target_of_the_task_or_of_its_desired_state():
    params = {'ghec_web_url': 'https://github.com', 'desired': {'target': 'ghe_com'}, 'ghe_com_subdomain': 'acme'}
    assert PersonLinks.from_params(params).check('https://acme.ghe.com/x')[0] == 'https://acme.ghe.com/x'
