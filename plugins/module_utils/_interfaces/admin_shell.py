# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""THE command table of the administrative shell, and the client that runs it.

GitHub documents the ``ghe-*`` commands of the administrative shell (SSH as ``admin``, port
122). They run through the task's own Ansible connection (``ansible.builtin.ssh``: the
user's keys, agent, ssh_config, bastions and host key checking), as raw commands: the
appliance needs no Python. Every command line is built here from this fixed table, keyed
by release; every word is quoted; no user string ever becomes shell syntax. Outputs are
parsed strictly: a command the release lacks, a non-zero exit, or output that does not
parse is a typed error naming the command and the release - never a guess.

Retries: a dropped SSH connection is retried for reads; a ``ghe-config`` write is read
back before it is ever sent again; ``ghe-config-apply`` is never sent twice.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import ConfigRunError, GhesConnectError
from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, Record, field_fact

SOURCE = 'admin_shell'

GHE_COM_ENABLED = 'app.github.github-connect-ghe-com-enabled'
GHE_COM_SUBDOMAIN = 'app.github.github-connect-ghe-com-subdomain'
# The only keys this collection reads or writes (a key is never taken from the user).
CONFIG_KEYS = (GHE_COM_ENABLED, GHE_COM_SUBDOMAIN)

READ = 'read'
WRITE = 'write'
# Run (uncensored) to learn why a censored command's connection failed: reads nothing secret, writes nothing.
PROBE = 'ghe-version'


class Command:
    """One documented command: its words (``{name}`` placeholders), releases, class and output."""

    def __init__(self, words, kind, output, since=None, until=None):
        self.words = tuple(words)
        self.kind = kind
        self.output = output
        self.since = since
        self.until = until

    def available(self, feature):
        return (self.since is None or feature >= self.since) and (self.until is None or feature <= self.until)


# job -> commands, newest first; the first one the release has is used (docs/interfaces.md §5).
COMMANDS = {
    'version': [Command(('ghe-version',), READ, 'version')],
    'maintenance': [Command(('ghe-maintenance', '-q'), READ, 'maintenance')],
    'config_get': [Command(('ghe-config', '{key}'), READ, 'value')],
    'config_set': [Command(('ghe-config', '{key}', '{value}'), WRITE, 'none')],
    'config_apply': [Command(('ghe-config-apply',), WRITE, 'apply')],
    'license_usage': [Command(('ghe-license', 'usage', '-y', '-o'), READ, 'json', since=(3, 13)),
                      Command(('ghe-license-usage',), READ, 'json', until=(3, 12))],
}


class AdminShellError(GhesConnectError):
    """A documented command could not be run or did not answer as documented."""


class AdminShellConnectionError(AdminShellError):
    """The SSH connection failed or dropped: the command may or may not have run."""


class AdminShellAccessError(AdminShellError):
    """SSH refused us for good (host key mismatch, key not authorised): never retried."""


_HOST_KEY_SIGNS = ('REMOTE HOST IDENTIFICATION HAS CHANGED', 'Host key verification failed',
                   'No ED25519 host key is known', 'host key for', 'Offending')
_AUTH_SIGNS = ('Permission denied',)
_VERSION = re.compile(r'^GitHub Enterprise Server (\d+\.\d+\.\d+)\b')
_MAINTENANCE = re.compile(r'^Maintenance mode is (on|off|scheduled)$')


def connection_error(host, message):
    """The typed error for an SSH failure message (from Ansible's ssh connection plugin)."""
    text = str(message)
    if any(sign in text for sign in _HOST_KEY_SIGNS):
        return AdminShellAccessError(
            'The SSH host key of %s does not match the one in known_hosts (or none is known): the administrative '
            'shell was not used and nothing was changed. If the appliance was rebuilt, check its new key with '
            '"ghe-ssh-check-host-keys" on the appliance and update known_hosts; never turn host key checking off. '
            'ssh said: %s' % (host, _first_lines(text)))
    if any(sign in text for sign in _AUTH_SIGNS):
        return AdminShellAccessError(
            'The administrative shell of %s refused the SSH key (user admin): authorise the public key of the key '
            'Ansible uses (ansible_ssh_private_key_file, or the agent) with ghes.connect.ghe_admin_ssh_key or in the '
            'Management Console. Nothing was changed. ssh said: %s' % (host, _first_lines(text)))
    return AdminShellConnectionError('The SSH connection to %s failed: %s' % (host, _first_lines(text)))


def _first_lines(text, limit=3):
    lines = [line for line in text.strip().splitlines() if line.strip() and not line.startswith('@@@')]
    return ' '.join(lines[:limit]) or 'no message'


class AdminShell:
    """``execute(command_line, secret_output) -> (rc, stdout bytes, stderr bytes)``, raising ``AdminShellError`` on
    an SSH failure; ``secret_output`` asks that the output never be logged (the export's user list)."""

    def __init__(self, execute, version, host, read_retries=2):
        self._execute = execute
        self._version = version            # a callable: the GHES version is read when first needed
        self.host = host
        self.read_retries = read_retries
        self.commands = []                  # (command line, class) of everything run: shown by tests and -vvv

    # -- the table -------------------------------------------------------------------------
    def command(self, job, **words):
        """``(command line, Command)`` for ``job`` on this release; AdminShellError if it has none."""
        version = self._version()
        for candidate in COMMANDS[job]:
            if candidate.available(version.feature):
                argv = [word.format(**words) if '{' in word else word for word in candidate.words]
                return ' '.join(shlex.quote(word) for word in argv), candidate
        names = ' / '.join(' '.join(c.words) for c in COMMANDS[job])
        raise AdminShellError('GHES %s has no administrative shell command for %s (%s exists on other releases).'
                              % (version, job.replace('_', ' '), names))

    def _run(self, job, retry, **words):
        line, command = self.command(job, **words)
        attempts = 1 + (self.read_retries if retry else 0)
        for attempt in range(attempts):
            self.commands.append((line, command.kind))
            try:
                rc, out, err = self._execute(line, command.output == 'json')
            except AdminShellConnectionError:
                if attempt + 1 >= attempts:
                    raise
                continue
            return line, command, rc, _text(out), _text(err)
        raise AssertionError('unreachable')

    def _checked(self, job, retry=True, **words):
        line, command, rc, out, err = self._run(job, retry, **words)
        if rc == 127:
            raise AdminShellError('"%s" is not a command on %s (GHES %s): exit 127, %s'
                                  % (line, self.host, self._version(), err.strip() or 'command not found'))
        if rc != 0:
            raise AdminShellError('"%s" failed on %s (GHES %s) with exit code %s: %s'
                                  % (line, self.host, self._version(), rc, (err.strip() or out.strip())[:500] or 'no output'))
        return line, command, out

    def _unparsable(self, line, what):
        return AdminShellError('"%s" on %s (GHES %s) printed output that is not %s: it was not used.'
                               % (line, self.host, self._version(), what))

    # -- reads -----------------------------------------------------------------------------
    def version(self):
        line, _command, out = self._checked('version')
        match = _VERSION.match(out.strip())
        if not match:
            raise self._unparsable(line, 'a GHES version')
        return match.group(1)

    def maintenance(self):
        """``on``, ``off`` or ``scheduled``."""
        line, _command, out = self._checked('maintenance')
        match = _MAINTENANCE.match(out.strip())
        if not match:
            raise self._unparsable(line, '"Maintenance mode is on|off|scheduled"')
        return match.group(1)

    def config_get(self, key):
        """The value of ``key``, or None when it is not set (ghe-config exits 1 without output)."""
        _check_key(key)
        line, command, rc, out, err = self._run('config_get', True, key=key)
        del command
        if rc == 1 and not out.strip() and not err.strip():
            return None
        if rc != 0:
            raise AdminShellError('"%s" failed on %s (GHES %s) with exit code %s: %s'
                                  % (line, self.host, self._version(), rc, err.strip() or 'no output'))
        lines = out.splitlines()
        if len(lines) != 1:
            raise self._unparsable(line, 'one value')
        return lines[0]

    def license_usage(self):
        """``(bytes, dict)``: the usage export exactly as printed, and its JSON."""
        line, _command, out = self._checked('license_usage')
        try:
            data = json.loads(out)
        except ValueError:
            raise self._unparsable(line, 'JSON') from None
        if not isinstance(data, dict) or not isinstance(data.get('instance'), dict):
            raise self._unparsable(line, 'a license usage export (an object with "instance")')
        return out.encode('utf-8'), data

    # -- writes ----------------------------------------------------------------------------
    def config_set(self, key, value):
        """Set ``key``; after a dropped connection the key is read back before the write is sent again."""
        _check_key(key)
        value = str(value)
        try:
            self._checked('config_set', retry=False, key=key, value=value)
            return
        except AdminShellConnectionError:
            if self.config_get(key) == value:
                return
        self._checked('config_set', retry=False, key=key, value=value)

    def config_apply(self):
        """Run ``ghe-config-apply`` once, to its end; a failed run raises ``ConfigRunError`` with its output."""
        line, _command, rc, out, err = self._run('config_apply', False)
        if rc == 0:
            return {'run_id': None, 'output': out.splitlines()[-10:]}
        if rc == 127:
            raise AdminShellError('"%s" is not a command on %s (GHES %s).' % (line, self.host, self._version()))
        events = [{'node': self.host, 'body': text} for text in (out + err).splitlines() if text.strip()][-10:]
        raise ConfigRunError('"%s" failed on %s (exit code %s).' % (line, self.host, rc), events=events)


EXPORT_ANSWER = 'the license usage export'


@dataclasses.dataclass(frozen=True)
class UsageExport(Record):
    """What a usage export says of its appliance: ``server_id`` (the key GHEC's records use) and ``features``
    (``{name: enabled_at}`` of the Connect features it lists as enabled)."""

    server_id: Fact
    features: Fact


def parse_usage_export(export, source=SOURCE):
    """A ``UsageExport`` of an export's ``instance``: each fact known when present and well formed, else why not."""
    instance = field_fact(export, 'instance', dict, source, EXPORT_ANSWER)
    if not instance.known:
        return UsageExport(server_id=instance, features=instance)
    where = '%s\'s instance' % EXPORT_ANSWER
    server_id = field_fact(instance.value, 'server_id', str, source, where)
    if server_id.known and not server_id.value.strip():
        server_id = Fact.missing('server_id is empty in %s' % where)
    items = field_fact(instance.value, 'features', list, source, where)
    if items.known and not all(isinstance(i, dict) and isinstance(i.get('name'), str) for i in items.value):
        items = Fact.missing('features in %s lists an entry without a name' % where)
    if items.known:
        items = Fact.of(dict((i['name'], i.get('enabled_at')) for i in items.value), source)
    return UsageExport(server_id=server_id, features=items)


def _check_key(key):
    if key not in CONFIG_KEYS:
        raise AdminShellError('ghe-config key %r is not one this collection uses.' % (key,))


def _text(data):
    if isinstance(data, bytes):
        return data.decode('utf-8', errors='replace')
    return data or ''
