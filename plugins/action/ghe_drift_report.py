# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_drift_report: write the drift report (drift.json, drift.md) on the controller.

A controller-side action, so writing the report costs one cheap task, not three
AnsiballZ modules. Files are written 0600 and atomically into a 0700 directory.
"""

from __future__ import annotations

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.ghes.connect.plugins.module_utils._files import UnsafePathError, private_directory, write_private
from ansible_collections.ghes.connect.plugins.module_utils._report import as_json, as_markdown, drifted

ARGUMENT_SPEC = {
    'records': {'type': 'list', 'elements': 'dict', 'required': True},
    'dest': {'type': 'path', 'required': True},
    'desired': {'type': 'dict', 'default': {}},
    'ghec_enterprise': {'type': 'str'},
    'fail_on_drift': {'type': 'bool', 'default': False},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            return dict(result, failed=True, msg='; '.join(validation.error_messages))
        params = validation.validated_parameters
        records = params['records']
        files = {'drift.json': as_json(records, params['desired']),
                 'drift.md': as_markdown(records, params['desired'], params.get('ghec_enterprise'))}
        paths = dict((name, os.path.join(params['dest'], name)) for name in files)
        changed = any(_content(path) != files[name] for name, path in paths.items())
        if changed and not self._task.check_mode:
            try:
                private_directory(params['dest'])
            except UnsafePathError as exc:
                return dict(result, failed=True, msg='dest: %s Nothing was written.' % exc)
            for name, path in paths.items():
                write_private(path, files[name])
        result.update(changed=changed, json_path=paths['drift.json'], markdown_path=paths['drift.md'],
                      drifted=drifted(records), appliances=len(records))
        if params['fail_on_drift'] and result['drifted']:
            result.update(failed=True, msg='Drift on %s: see %s' % (', '.join(result['drifted']), paths['drift.md']))
        return result


def _content(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except OSError:
        return None
