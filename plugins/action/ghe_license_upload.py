# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_upload: license usage to GHEC by file, for air-gapped or failing appliances.

Export (console) or ``src`` -> validate -> keep (``dest``, 0600) -> upload once ->
wait for GraphQL to show ``syncState: SUCCESS``. Uploads are named after the export's
digest, so GHEC's own upload list says whether this exact export was already sent:
that is what makes the module idempotent and what keeps a retry from uploading twice.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import appliance_spec, parse_duration, renamed
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import UsageFile, newest
from ansible_collections.ghes.connect.plugins.module_utils._license.destination import check_dest, keep
from ansible_collections.ghes.connect.plugins.module_utils._license.sync_now import sync_now_and_wait
from ansible_collections.ghes.connect.plugins.module_utils._license.upload import await_upload, export, listed, upload_once
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import synced_within
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import preflight
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import (
    age_seconds,
    console_mode,
    parse_time,
    read_connect,
    read_last_sync,
    read_license_sync,
)
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase


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
        if params['wait_timeout'] <= 0:
            raise InputError('wait_timeout must be 1 or more seconds (got %s): it bounds the wait for GHEC to process '
                             'the upload or the triggered sync.' % params['wait_timeout'])
        if params.get('dest'):
            check_dest(params['dest'])
        src = self._source_path(params.get('src'))
        if not appliance.version.supported:
            preflight(appliance, need_connect_license=False)
        if params['via'] == 'auto' and src is None:
            connect = read_connect(appliance, console_mode(appliance))
            sync = read_license_sync(appliance, connect, console_mode(appliance))
            if connect['connected'] and sync['enabled']:
                return self._via_sync_now(appliance, params, sync, max_age)
        return self._via_file(appliance, params, src, max_age)

    def _via_sync_now(self, appliance, params, sync, max_age):
        """Connected with license sync on: "Sync now" is the better path."""
        result = {'used': 'sync_now', 'upload': None, 'license_sync': sync}
        if not params['force'] and synced_within(sync, max_age):
            return dict(result, changed=False, skipped_reason='connected with license sync on, and the last sync '
                        'succeeded %.1f days ago (max_sync_age)' % (sync['sync_age_seconds'] / 86400.0))
        if not appliance.has_console_credentials:
            raise InputError('%s is connected with license sync on: ghes.connect triggers "Sync now" instead of a file '
                             'upload, which needs console_username and console_password. Give them, or set via: file.'
                             % appliance.url)
        if self.check_mode:
            return dict(result, changed=True, skipped_reason=None)
        preflight(appliance, need_connect_license=False)
        synced, clicked = sync_now_and_wait(appliance, sync, params['wait_timeout'], False, self.say)
        return dict(result, changed=clicked, skipped_reason=None, license_sync=synced)

    def _via_file(self, appliance, params, src, max_age):
        if src is not None:
            with open(src, 'rb') as handle:
                usage, source = UsageFile(handle.read(), 'src %s' % src), 'src'
        else:
            usage, source = export(appliance)
        known = read_last_sync(appliance)
        usage.check_belongs_to(appliance.hostname, known.get('server_id'))
        result = {'used': 'file', 'export': usage.summary(), 'dest': params.get('dest'), 'sources': {'export': source}}
        changed = keep(usage, params.get('dest'), self.check_mode)
        mine, uploads = listed(appliance, usage)
        skip = None if params['force'] else _skip_reason(mine, uploads, known, max_age,
                                                         parse_time(appliance.sync_status()[0]))
        if skip:
            return dict(result, changed=changed, skipped_reason=skip, upload=usage.upload_view(mine or newest(uploads)))
        if mine and mine['sync_state'] == 'PENDING' and not params['force']:
            # Sent earlier (perhaps by a run that timed out): wait for it, never send it twice.
            if self.check_mode:
                return dict(result, changed=changed, skipped_reason='already uploaded, GHEC still processing it',
                            upload=usage.upload_view(mine))
            return dict(result, changed=changed, skipped_reason='already uploaded; waited for GHEC to process it',
                        upload=await_upload(appliance, usage, params['wait_timeout'], changed=False))
        if self.check_mode:
            return dict(result, changed=True, skipped_reason=None,
                        upload={'name': usage.upload_name, 'sha256': usage.sha256, 'sync_state': None, 'created_at': None})
        preflight(appliance, need_connect_license=False)
        upload_once(appliance, usage)
        return dict(result, changed=True, skipped_reason=None,
                    upload=await_upload(appliance, usage, params['wait_timeout'], changed=True))

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


def _skip_reason(mine, uploads, known, max_age, ghec_now):
    if mine and mine['sync_state'] == 'SUCCESS':
        return 'this export (same sha256) was already uploaded and processed successfully'
    if mine and mine['sync_state'] == 'FAILURE':
        raise GhesConnectError('GHEC already rejected this exact export (%s, syncState FAILURE). Export the usage '
                               'again, or set force: true to upload the same file again.' % mine['name'])
    if max_age is None:
        return None
    latest = newest([u for u in uploads if u['sync_state'] == 'SUCCESS'])
    if latest and (age_seconds(latest['created_at'], now=ghec_now) or 0) <= max_age:
        return 'a successful upload (%s) is younger than max_sync_age' % latest['name']
    if synced_within(known, max_age):
        return 'a successful license sync is younger than max_sync_age'
    return None
