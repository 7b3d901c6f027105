# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin shell client against a scripted shell: table by release, quoting, strict parsing, retries."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import ConfigRunError
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.admin_shell import (
    GHE_COM_ENABLED,
    GHE_COM_SUBDOMAIN,
    AdminShell,
    AdminShellAccessError,
    AdminShellConnectionError,
    AdminShellError,
    connection_error,
    parse_usage_export,
)

EXPORT = {'instance': {'server_id': '9d1b5b7c-3f0e-4c1a-9a57-2f4b1c6d8e10', 'features': [
    {'name': 'license_usage_sync', 'enabled_at': '2026-01-10T09:00:00Z'}]}, 'users': 'c2VjcmV0'}


class Script:
    """Answers in order; an answer that is an exception is raised (a dropped connection)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.lines = []

    def __call__(self, line, secret_output=False):
        self.lines.append((line, secret_output))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def shell(script, version='3.15.1'):
    return AdminShell(script, lambda: GhesVersion(version), 'ghes-1 (admin shell)')


@pytest.mark.parametrize('version, line', [('3.13.0', 'ghe-license usage -y -o'), ('3.15.1', 'ghe-license usage -y -o'),
                                           ('3.12.5', 'ghe-license-usage'), ('3.9.4', 'ghe-license-usage')])
def test_the_export_command_follows_the_release_and_is_censored(version, line):
    script = Script((0, json.dumps(EXPORT).encode(), b''))
    content, data = shell(script, version).license_usage()
    assert script.lines == [(line, True)]
    assert data == EXPORT and json.loads(content) == EXPORT
    assert parse_usage_export(data).features.value == {'license_usage_sync': '2026-01-10T09:00:00Z'}


def test_values_are_quoted_words_never_shell_syntax():
    script = Script((0, b'', b''))
    shell(script).config_set(GHE_COM_SUBDOMAIN, "acme; rm -rf / #'")
    assert script.lines[0][0] == "ghe-config %s 'acme; rm -rf / #'\"'\"''" % GHE_COM_SUBDOMAIN


def test_only_the_collections_keys_can_be_used():
    with pytest.raises(AdminShellError, match='not one this collection uses'):
        shell(Script()).config_get('core.admin-password')


@pytest.mark.parametrize('answer, message', [
    ((127, b'', b'-bash: ghe-license: command not found\n'), 'is not a command on ghes-1'),
    ((1, b'', b'boom\n'), 'failed on ghes-1 (admin shell) (GHES 3.15.1) with exit code 1: boom'),
    ((0, b'Wrote /tmp/x.json\n', b''), 'printed output that is not JSON'),
    ((0, b'[1, 2]', b''), 'not a license usage export'),
])
def test_bad_answers_are_typed_errors_naming_command_and_release(answer, message):
    with pytest.raises(AdminShellError, match='ghe-license usage -y -o') as info:
        shell(Script(answer)).license_usage()
    assert message in info.value.message and 'GHES 3.15.1' in info.value.message


def test_reads_are_retried_after_a_dropped_connection():
    script = Script(AdminShellConnectionError('dropped'), (0, b'Maintenance mode is off\n', b''))
    assert shell(script).maintenance() == 'off'
    assert len(script.lines) == 2


def test_a_dropped_write_is_read_back_and_not_sent_again_when_it_landed():
    script = Script(AdminShellConnectionError('dropped'), (0, b'true\n', b''))
    shell(script).config_set(GHE_COM_ENABLED, 'true')
    assert [line for line, _secret in script.lines] == ['ghe-config %s true' % GHE_COM_ENABLED,
                                                        'ghe-config %s' % GHE_COM_ENABLED]


def test_a_dropped_write_that_did_not_land_is_sent_once_more():
    script = Script(AdminShellConnectionError('dropped'), (1, b'', b''), (0, b'', b''))
    shell(script).config_set(GHE_COM_ENABLED, 'true')
    assert [line for line, _secret in script.lines].count('ghe-config %s true' % GHE_COM_ENABLED) == 2


def test_config_apply_is_never_retried_and_a_failure_carries_its_output():
    with pytest.raises(AdminShellConnectionError):
        shell(Script(AdminShellConnectionError('dropped'))).config_apply()
    with pytest.raises(ConfigRunError) as info:
        shell(Script((1, b'Configuring Storage\nFailed to configure GitHub services\n', b''))).config_apply()
    assert [e['body'] for e in info.value.events][-1] == 'Failed to configure GitHub services'


@pytest.mark.parametrize('text, kind', [
    ('@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.', AdminShellAccessError),
    ('admin@127.0.0.1: Permission denied (publickey).', AdminShellAccessError),
    ('Connection closed by 127.0.0.1 port 122', AdminShellConnectionError),
])
def test_ssh_failures_are_classified(text, kind):
    error = connection_error('ghes-1', 'Failed to connect to the host via ssh: ' + text)
    assert isinstance(error, kind)  # the two kinds are siblings: one never passes for the other


def test_strict_parsing_of_version_and_maintenance():
    assert shell(Script((0, b'GitHub Enterprise Server 3.15.1 azure 2025-01-01\n', b''))).version() == '3.15.1'
    with pytest.raises(AdminShellError, match='not a GHES version'):
        shell(Script((0, b'version unknown\n', b''))).version()
    with pytest.raises(AdminShellError, match='Maintenance mode is on'):
        shell(Script((0, b'maybe\n', b''))).maintenance()
