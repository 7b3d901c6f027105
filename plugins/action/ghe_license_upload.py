# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_upload: license usage to GHEC by file, for air-gapped or failing appliances.

Export (console) or ``src`` -> validate -> keep (``dest``, 0600) -> upload once ->
wait for GraphQL to show ``syncState: SUCCESS``. Uploads are named after the export's
digest, so GHEC's own upload list says whether this exact export was already sent:
that is what makes the module idempotent and what keeps a retry from uploading twice.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat

from ansible.errors import AnsibleError

from ansible_collections.ghes.connect.plugins.module_utils._argspec import appliance_spec, parse_duration, renamed
from ansible_collections.ghes.connect.plugins.module_utils._errors import (
    GhesConnectError,
    InputError,
    TransportError,
    WaitTimeoutError,
)
from ansible_collections.ghes.connect.plugins.module_utils._facts import preflight
from ansible_collections.ghes.connect.plugins.module_utils._files import (
    UnsafePathError,
    make_private,
    open_no_follow,
    private_directory,
    write_private,
)
from ansible_collections.ghes.connect.plugins.module_utils._state import (
    SRC_ADMIN_SHELL,
    age_seconds,
    console_mode,
    parse_time,
    read_connect,
    read_last_sync,
    read_license_sync,
)
from ansible_collections.ghes.connect.plugins.module_utils._sync import sync_now_once, wait_for_new_sync
from ansible_collections.ghes.connect.plugins.module_utils._usage_file import UsageFile
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase
from ansible_collections.ghes.connect.plugins.module_utils._wait import Wait

POLL_SECONDS = 1.0


class ActionModule(GhesActionBase):
    def argument_spec(self):
        return appliance_spec(extra={
            'src': {'type': 'path'},
            'dest': {'type': 'path'},
            'via': {'type': 'str', 'default': 'auto', 'choices': ['auto', 'file']},
            'max_sync_age': renamed({'type': 'str'}, 'max_age'),
            'force': {'type': 'bool', 'default': False},
            'wait_timeout': {'type': 'int', 'default': 300},
        })

    def execute(self, appliance, params, task_vars):
        max_age = parse_duration(params.get('max_sync_age'), 'max_sync_age')
        self._who = task_vars.get('inventory_hostname') or appliance.url
        appliance.waiter = functools.partial(Wait, self.say, self._who)
        if params['wait_timeout'] <= 0:
            raise InputError('wait_timeout must be 1 or more seconds (got %s): it bounds the wait for GHEC to process '
                             'the upload or the triggered sync.' % params['wait_timeout'])
        if params.get('dest'):
            _check_dest(params['dest'])
        src = self._source_path(params.get('src'))
        if not appliance.version.supported:
            preflight(appliance, need_connect_license=False)
        if params['via'] == 'auto' and src is None:
            connect = read_connect(appliance, console_mode(appliance))
            sync = read_license_sync(appliance, connect, console_mode(appliance))
            if connect['connected'] and sync['enabled']:
                return self._via_sync_now(appliance, params, sync, max_age)
        return self._via_file(appliance, params, src, max_age)

    # -- connected appliances: "Sync now" is the better path ------------------------------------
    def _via_sync_now(self, appliance, params, sync, max_age):
        result = {'used': 'sync_now', 'upload': None, 'license_sync': sync}
        last = sync.get('last_sync') or {}
        if not params['force'] and last.get('status') == 'success' and max_age is not None \
                and sync.get('sync_age_seconds') is not None and sync['sync_age_seconds'] <= max_age:
            return dict(result, changed=False, skipped_reason='connected with license sync on, and the last sync '
                        'succeeded %.1f days ago (max_sync_age)' % (sync['sync_age_seconds'] / 86400.0))
        if not appliance.has_console_credentials:
            raise InputError('%s is connected with license sync on: ghes.connect triggers "Sync now" instead of a file '
                             'upload, which needs console_username and console_password. Give them, or set via: file.'
                             % appliance.url)
        if self.check_mode:
            return dict(result, changed=True, skipped_reason=None)
        preflight(appliance, need_connect_license=False)
        # Not clicked when a run on this controller did for this same stale sync: its sync is awaited.
        clicked = sync_now_once(appliance, last.get('date'), params['wait_timeout'])
        wait = Wait(self.say, self._who, 'GHEC to record a new license sync', params['wait_timeout'])
        synced = wait_for_new_sync(appliance, last.get('date'), params['wait_timeout'], changed=clicked,
                                   progress=wait.seen)
        return dict(result, changed=clicked, skipped_reason=None, license_sync=dict(sync, **synced))

    # -- the file path ------------------------------------------------------------------------
    def _via_file(self, appliance, params, src, max_age):
        if src is not None:
            with open(src, 'rb') as handle:
                usage = UsageFile(handle.read(), 'src %s' % src)
            source = 'src'
        else:
            usage, source = _export(appliance)
        known = read_last_sync(appliance)
        usage.check_belongs_to(appliance.hostname, known.get('server_id'))
        result = {'used': 'file', 'export': usage.summary(), 'dest': params.get('dest'), 'sources': {'export': source}}
        changed = self._keep(usage, params.get('dest'))
        installation = appliance.installation(usage.host_name)
        uploads = _uploads(installation)
        mine = next((u for u in uploads if u['name'] == usage.upload_name), None)
        ghec_now = parse_time(appliance.sync_status()[0])
        skip = None if params['force'] else _skip_reason(mine, uploads, known, max_age, ghec_now)
        if skip:
            return dict(result, changed=changed, skipped_reason=skip, upload=_upload_result(mine or _latest(uploads), usage))
        if mine and mine['sync_state'] == 'PENDING' and not params['force']:
            # Sent earlier (perhaps by a run that timed out): wait for it, never send it twice.
            if self.check_mode:
                return dict(result, changed=changed, skipped_reason='already uploaded, GHEC still processing it',
                            upload=_upload_result(mine, usage))
            done = self._await_upload(appliance, usage, params['wait_timeout'], changed=False)
            return dict(result, changed=changed, skipped_reason='already uploaded; waited for GHEC to process it',
                        upload=done)
        if self.check_mode:
            return dict(result, changed=True, skipped_reason=None,
                        upload={'name': usage.upload_name, 'sha256': usage.sha256, 'sync_state': None, 'created_at': None})
        preflight(appliance, need_connect_license=False)
        self._upload_once(appliance, usage)
        appliance.changed_state()
        done = self._await_upload(appliance, usage, params['wait_timeout'], changed=True)
        return dict(result, changed=True, skipped_reason=None, upload=done)

    def _keep(self, usage, dest):
        """Write the export to ``dest`` (0600, atomic, never through a link) unless it already holds these bytes."""
        if not dest:
            return False
        _check_dest(dest)
        if os.path.lexists(dest):
            with open_no_follow(dest, binary=True) as handle:
                same = hashlib.sha256(handle.read()).hexdigest() == usage.sha256
                loose = os.fstat(handle.fileno()).st_mode & 0o077
            if same:
                if loose and not self.check_mode:
                    make_private(dest)
                return bool(loose)
        if not self.check_mode:
            try:
                private_directory(os.path.dirname(os.path.abspath(dest)))
            except UnsafePathError as exc:
                raise InputError('dest %s: %s Nothing was written.' % (dest, exc))
            write_private(dest, usage.content)
        return True

    def _upload_once(self, appliance, usage):
        try:
            appliance.ghec.upload_usage(usage.upload_name, usage.content)
        except TransportError as exc:
            if not exc.maybe_sent:
                raise
            # The upload may or may not have arrived: look before doing anything else.
            installation = appliance.installation(usage.host_name, refresh=True)
            if not any(u['name'] == usage.upload_name for u in _uploads(installation)):
                raise GhesConnectError('The upload of %s to GHEC ended without an answer (%s) and GHEC does not list it. '
                                       'It was not sent again: run the task again.' % (usage.upload_name, exc.message))

    def _await_upload(self, appliance, usage, timeout, changed):
        wait = Wait(self.say, self._who, 'GHEC to process the upload %s' % usage.upload_name, timeout, poll=POLL_SECONDS)
        while True:
            installation = appliance.installation(usage.host_name, refresh=True)
            upload = next((u for u in _uploads(installation) if u['name'] == usage.upload_name), None)
            state = upload and upload['sync_state']
            if state == 'SUCCESS':
                return _upload_result(upload, usage)
            if state == 'FAILURE':
                raise GhesConnectError('GHEC could not process the license usage upload %s (syncState FAILURE). Export '
                                       'the usage again from %s and retry; if it fails again, contact GitHub Support '
                                       'with the file.' % (usage.upload_name, appliance.url), changed=changed,
                                       upload=_upload_result(upload, usage))
            wait.seen(state or 'not listed yet')
            if not wait.next():
                raise WaitTimeoutError('Timed out after %ss waiting for GHEC to process %s (syncState %s). It was '
                                       'uploaded once and will not be uploaded again: run the task later to see the '
                                       'result.' % (timeout, usage.upload_name, state or 'not listed yet'),
                                       changed=changed)

    def _source_path(self, src):
        if src is None:
            return None
        try:
            path = src if os.path.isabs(src) else self._find_needle('files', src)
        except AnsibleError:
            raise InputError('src %s was not found on the controller.' % src)
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise InputError('src %s does not exist or cannot be read on the controller.' % src)
        return path


def _export(appliance):
    """``(UsageFile, source)``: the documented shell command wins over the console's (modelled) export link."""
    if appliance.shell is not None:
        content, _data = appliance.shell_export()
        return UsageFile(content, 'the export of %s (admin shell)' % appliance.url), SRC_ADMIN_SHELL
    if not appliance.has_console_credentials:
        raise InputError('Exporting license usage from %s needs the administrative shell (reach the host with '
                         'ansible_connection: ansible.builtin.ssh, port 122, user admin) or console_username and '
                         'console_password. Or export it by hand ("ghe-license usage -y -o" on GHES 3.13+, '
                         '"ghe-license-usage" before) and pass the file as src.' % appliance.url)
    return UsageFile(appliance.console.export_usage(), 'the export of %s' % appliance.url), 'console'


def _check_dest(dest):
    """Refuse, before any request, a ``dest`` that is not a file ghes.connect may (re)write: the fix in the message."""
    try:
        info = os.lstat(dest)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise InputError('dest %s is a symbolic link: ghes.connect never writes or changes a file through a link. '
                         'Give the path of a regular file, or remove the link.' % dest)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError('dest %s is a directory: give the path of the file to keep the export in, for example '
                         '%s.' % (dest, os.path.join(dest, 'license-usage.json')))
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InputError('dest %s is not a regular file: give the path of a file to keep the export in.' % dest)
    parent = os.path.dirname(os.path.abspath(dest))
    if os.path.lexists(parent):
        try:
            private_directory(parent, create=False)
        except UnsafePathError as exc:
            raise InputError('dest %s: its directory is not private: %s Nothing was written.' % (dest, exc))


def _uploads(installation):
    nodes = (((installation or {}).get('userAccountsUploads') or {}).get('nodes')) or []
    return [{'name': u.get('name'), 'sync_state': u.get('syncState'), 'created_at': u.get('createdAt')} for u in nodes]


def _latest(uploads):
    return max(uploads, key=lambda u: u.get('created_at') or '') if uploads else None


def _skip_reason(mine, uploads, known, max_age, ghec_now):
    if mine and mine['sync_state'] == 'SUCCESS':
        return 'this export (same sha256) was already uploaded and processed successfully'
    if mine and mine['sync_state'] == 'FAILURE':
        raise GhesConnectError('GHEC already rejected this exact export (%s, syncState FAILURE). Export the usage '
                               'again, or set force: true to upload the same file again.' % mine['name'])
    if max_age is None:
        return None
    good = [u for u in uploads if u['sync_state'] == 'SUCCESS']
    latest = _latest(good)
    if latest and (age_seconds(latest['created_at'], now=ghec_now) or 0) <= max_age:
        return 'a successful upload (%s) is younger than max_sync_age' % latest['name']
    last = known.get('last_sync') or {}
    if last.get('status') == 'success' and known.get('sync_age_seconds') is not None \
            and known['sync_age_seconds'] <= max_age:
        return 'a successful license sync is younger than max_sync_age'
    return None


def _upload_result(upload, usage):
    if not upload:
        return None
    return {'name': upload['name'], 'sha256': usage.sha256 if upload['name'] == usage.upload_name else None,
            'sync_state': upload['sync_state'], 'created_at': upload['created_at']}
