# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: every task result, one JSON line each, to $GHES_TEST_RESULT_LOG."""

from __future__ import annotations

DOCUMENTATION = r'''
name: result_log
type: notification
short_description: Write each task result as a JSON line (test harness only)
description: Used by the system tests to assert on per-host results without parsing screen output.
requirements: [GHES_TEST_RESULT_LOG set in the environment]
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'result_log'
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        path = os.environ.get('GHES_TEST_RESULT_LOG')
        if not path:
            return
        # run_pid: ansible-playbook's own process (callbacks run there), the run id of the collection's run cache.
        record = {'time': time.time(), 'host': result._host.get_name(), 'task': result._task.get_name(),
                  'action': result._task.action, 'status': status, 'result': result._result, 'run_pid': os.getpid()}
        with open(path, 'a') as handle:
            handle.write(json.dumps(record, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._write(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, 'failed')

    def v2_runner_on_unreachable(self, result):
        self._write(result, 'unreachable')

    def v2_runner_on_skipped(self, result):
        self._write(result, 'skipped')
