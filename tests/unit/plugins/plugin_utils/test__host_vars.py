# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""with_host_variables: task arguments win, then host variables, then the environment and the default."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import appliance_spec
from ansible_collections.ghes.connect.plugins.plugin_utils._host_vars import with_host_variables


class Templar:
    """Renders ``{{ name }}`` from the host's variables, as Ansible's templar would for these tests."""

    def __init__(self, variables):
        self.variables = variables

    def template(self, value):
        if isinstance(value, str) and value.startswith('{{ ') and value.endswith(' }}'):
            return self.variables[value[3:-3]]
        return value


def complete(task_args, host):
    return with_host_variables(task_args, appliance_spec(), dict(host, inventory_hostname='ghes-017'), Templar(host))


def test_host_variables_fill_only_what_the_task_leaves_out():
    host = {'ghes_url': 'https://host.example.com', 'ghes_manage_password': 'from-host', 'ghec_token': 'tok',
            'unrelated': 'x'}
    args = complete({'manage_password': 'from-task'}, host)
    assert args == {'url': 'https://host.example.com', 'manage_password': 'from-task', 'ghec_token': 'tok'}


def test_templates_are_rendered_and_null_counts_as_unset(monkeypatch):
    monkeypatch.delenv('GHES_URL', raising=False)
    host = {'ghes_url': '{{ base }}', 'base': 'https://rendered.example.com', 'ghec_session': None,
            'ghes_ca_path': '{{ nothing }}', 'nothing': None}
    args = complete({}, host)
    assert args == {'url': 'https://rendered.example.com'}


def test_an_empty_string_is_a_value_not_unset():
    """An operator who sets a variable to "" means it: the module then says the option is missing."""
    args = complete({}, {'ghes_url': 'https://a.example.com', 'ghec_token': ''})
    assert args['ghec_token'] == ''


def test_a_missing_url_names_the_task_the_host_variable_and_the_environment(monkeypatch):
    monkeypatch.delenv('GHES_URL', raising=False)
    with pytest.raises(AnsibleActionFail) as failure:
        complete({}, {})
    assert str(failure.value).startswith('url is required: set it in the task, in the host variable ghes_url of '
                                         'ghes-017 or the environment variable GHES_URL.')


def test_the_environment_still_satisfies_a_required_option(monkeypatch):
    monkeypatch.setenv('GHES_URL', 'https://env.example.com')
    assert 'url' not in complete({}, {})   # the argument validator applies the environment fallback
