# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The appliance facade: its parts answer, its warnings reach the task, its facts are kept only where they may be."""

from __future__ import annotations

import os

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._appliance.facade import Appliance
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError


class Manage:
    """A Manage API that answers a version and maintenance, and counts what it was asked."""

    def __init__(self, version):
        self.version_text = version
        self.asked = []

    def version_nodes(self):
        self.asked.append('version')
        return [{'hostname': 'primary', 'version': {'version': self.version_text}}]

    def maintenance(self):
        self.asked.append('maintenance')
        return [{'status': 'off'}]


class Shell:
    def maintenance(self):
        return 'on'


def appliance(tmp_path, version='3.17.2', share_facts=True, **params):
    base = {'url': 'https://GHES-1.example.com/', 'ghec_url': 'https://api.example', 'ghec_enterprise': 'acme',
            'ghec_token': 'ghp_secret', 'state_dir': str(tmp_path / 'state'), 'ghec_cache_ttl': 300}
    base.update(params)
    made = Appliance(base, share_facts=share_facts)
    manage = Manage(version)
    made.clients._built['manage'] = manage  # the one Manage client the factory would build
    return made, manage


@pytest.mark.parametrize('version,expected', [
    ('3.22.0', 'newer than any release ghes.connect was tested against (newest: 3.21)'),
    ('3.9.4', "is past the end of GitHub's support (since 2024-07-26)"),
])
def test_a_release_newer_than_any_known_or_past_its_support_warns_the_task_once(tmp_path, version, expected):
    made, manage = appliance(tmp_path, version, share_facts=False)
    assert str(made.version) == version and str(made.version) == version
    assert len(made.warnings) == 1 and expected in made.warnings[0], made.warnings
    assert manage.asked == ['version']


def test_the_version_is_kept_for_the_runs_later_tasks_whatever_ghec_cache_ttl_says(tmp_path):
    first, manage = appliance(tmp_path, '3.17.2', ghec_cache_ttl=0)
    assert str(first.version) == '3.17.2'
    later, later_manage = appliance(tmp_path, '3.18.0', ghec_cache_ttl=0)
    assert str(later.version) == '3.17.2', 'read from the run\'s facts of this appliance'
    assert manage.asked == ['version'] and later_manage.asked == []
    other, other_manage = appliance(tmp_path, '3.18.0', url='https://ghes-2.example.com')
    assert str(other.version) == '3.18.0' and other_manage.asked == ['version']


def test_a_fleet_scan_keeps_no_facts_on_disk(tmp_path):
    for _round in range(2):
        made, manage = appliance(tmp_path, share_facts=False)
        assert str(made.version) == '3.17.2' and manage.asked == ['version']
    assert not os.path.exists(tmp_path / 'state') or os.listdir(tmp_path / 'state') == []


def test_the_shell_the_task_sets_answers_maintenance_before_http(tmp_path):
    made, manage = appliance(tmp_path)
    assert made.maintenance_known() is None
    made.shell = Shell()
    assert made.maintenance_on() is True and made.maintenance_known() is True
    assert 'maintenance' not in manage.asked
    made.clients.params['console_username'] = 'admin'
    made.clients.params['console_password'] = 'pw'
    assert made.has_console_credentials and not made.console_usable, 'the console is closed in maintenance'


def test_the_waiter_the_task_sets_reaches_the_config_runner(tmp_path):
    made, _manage = appliance(tmp_path)
    made.waiter = waiter = object()
    assert made.config_runner.waiter is waiter


def test_the_manual_instruction_names_the_appliances_own_page(tmp_path):
    made, _manage = appliance(tmp_path, '3.17.2', enterprise_slug='acme-ghes')
    assert ('Open https://GHES-1.example.com/enterprises/acme-ghes/settings/dotcom_connection and click "Enable '
            'GitHub Connect"') in made.instruction('connect')


def test_a_client_missing_its_option_names_it(tmp_path):
    made, _manage = appliance(tmp_path)
    with pytest.raises(InputError) as failure:
        made.console  # pylint: disable=pointless-statement
    assert ('console_username (host variable ghes_console_username, environment variable GHES_CONSOLE_USERNAME) and '
            'console_password (host variable ghes_console_password, environment variable GHES_CONSOLE_PASSWORD)'
            ) in failure.value.message
    with pytest.raises(InputError) as failure:
        made.rest  # pylint: disable=pointless-statement
    assert failure.value.message.startswith('token is required here')
    assert failure.value.message.endswith(': set the task option token, the host variable ghes_token or the environment '
                                          'variable GHES_TOKEN.')
