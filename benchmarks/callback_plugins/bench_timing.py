# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: when each task and each host's run of it started and ended.

benchmarks/fleet.py enables it (ANSIBLE_CALLBACKS_ENABLED=bench_timing) to count the
tasks every host runs and to show where a playbook's time goes. It keeps everything in
memory and writes one JSON file ($GHES_BENCH_TIMING_FILE) when the playbook ends, so
it adds no I/O per task.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: bench_timing
type: aggregate
short_description: Per-task and per-host timestamps for benchmarks/fleet.py
description: Writes the start of the playbook, of every task and of every host's run of it, with each result's
  status, to the JSON file named by GHES_BENCH_TIMING_FILE when the playbook ends.
requirements: [GHES_BENCH_TIMING_FILE set in the environment]
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.playbook_start = None
        self.tasks = []          # [{name, action, start, hosts: {host: [start, end, status]}}]
        self.by_uuid = {}
        self.started = {}        # (host, task uuid) -> start time

    def v2_playbook_on_start(self, playbook):
        self.playbook_start = time.time()

    def _task(self, task):
        entry = self.by_uuid.get(task._uuid)
        if entry is None:
            entry = {'name': task.get_name(), 'action': task.action, 'start': time.time(), 'hosts': {}}
            self.by_uuid[task._uuid] = entry
            self.tasks.append(entry)
        return entry

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task(task)

    def v2_runner_on_start(self, host, task):
        self.started[(host.get_name(), task._uuid)] = time.time()

    def _done(self, result, status):
        now = time.time()
        task = result._task
        host = result._host.get_name()
        entry = self._task(task)
        start = self.started.pop((host, task._uuid), None)
        entry['hosts'][host] = [start, now, status]

    def v2_runner_on_ok(self, result):
        self._done(result, 'changed' if result._result.get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, 'ignored' if ignore_errors else 'failed')

    def v2_runner_on_skipped(self, result):
        self._done(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._done(result, 'unreachable')

    def v2_playbook_on_include(self, included_file):
        now = time.time()
        for host in included_file._hosts:
            entry = self._task(included_file._task)
            entry['hosts'].setdefault(host.get_name(), [None, now, 'included'])

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('GHES_BENCH_TIMING_FILE')
        if not path:
            return
        recap = dict((host, stats.summarize(host)) for host in sorted(stats.processed))
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump({'playbook_start': self.playbook_start, 'end': time.time(), 'tasks': self.tasks,
                       'recap': recap}, handle)
