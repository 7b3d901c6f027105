# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_drift_report: write the drift report in every chosen format on the controller, and say the result.

A controller-side action on ``GhesActionBase`` (options, validation, failures and redaction as every
module has them), so writing the report costs one cheap task. Files are written 0600
and atomically into a 0700 directory. The verdicts come from the records (``_state.comparison``); this
task counts them, renders them, prints one line, and fails once - naming every problem
appliance - when asked to.
"""

from __future__ import annotations

import glob
import json
import os
import re
import socket

from ansible.utils.display import Display

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import ArgumentSpec, parse_duration
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.files import UnsafePathError, private_directory, write_private
from ansible_collections.ghes.connect.plugins.module_utils._reports.formats import FORMATS, render
from ansible_collections.ghes.connect.plugins.module_utils._reports.markdown import render as markdown
from ansible_collections.ghes.connect.plugins.module_utils._reports.model import (
    as_json,
    build,
    merge,
    parse_iso,
    problems,
    utc_now,
)
from ansible_collections.ghes.connect.plugins.module_utils._reports.text import label
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase

display = Display()

ARGUMENT_SPEC = {
    'records': {'type': 'list', 'elements': 'dict'},
    'merge_from': {'type': 'path'},
    'merge_max_age': {'type': 'str', 'default': '1d'},
    'dest': {'type': 'path', 'required': True},
    'part': {'type': 'str'},
    'formats': {'type': 'list', 'elements': 'str', 'default': list(FORMATS), 'choices': list(FORMATS)},
    'desired': {'type': 'dict', 'default': {}},
    'ghec_enterprise': {'type': 'str'},
    'read_at': {'type': 'str'},
    'seats': {'type': 'dict'},
    'fail_on_drift': {'type': 'bool', 'default': False},
    'fail_on_unknown': {'type': 'bool', 'default': True},
    'defer_failure': {'type': 'bool', 'default': False},
}
PROBLEM_VERDICTS = ('error', 'blocked', 'drift', 'unknown')
# A line names this many problem appliances, then says how many more (the report lists them all).
NAMED_AT_MOST = 10
PART_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$')


class ActionModule(GhesActionBase):
    def argument_spec(self):
        return ArgumentSpec(ARGUMENT_SPEC)

    def make_appliance(self, params):
        return None  # the records were read by other tasks: this one only writes files on the controller

    def execute(self, appliance, params, task_vars):
        try:
            model, files = self._report(params)
        except InputError as exc:
            raise exc.reworded('%s Nothing was written.' % exc.message) from exc
        paths = dict((fmt, os.path.join(params['dest'], name)) for fmt, name, _content in files)
        if not self.check_mode:
            try:
                private_directory(params['dest'])
            except UnsafePathError as exc:
                raise InputError('dest: %s Nothing was written.' % exc.message) from exc
            for fmt, _name, content in files:
                try:
                    write_private(paths[fmt], content)
                except OSError as exc:
                    raise GhesConnectError('dest: %s could not be written (%s).' % (paths[fmt], exc.strerror)) from exc
        result = {}
        summary_file = None if params['part'] else os.environ.get('GITHUB_STEP_SUMMARY')
        if summary_file and not self.check_mode:
            appended = _append_step_summary(summary_file, markdown(model))
            if appended is not True:
                result['warnings'] = ['GITHUB_STEP_SUMMARY: %s' % appended]
        failing = [] if params['part'] else \
            (['drift', 'blocked'] if params['fail_on_drift'] else []) + \
            (['unknown', 'error'] if params['fail_on_unknown'] else [])
        failure = _failure(model, failing, paths)
        line = _summary(model, paths, self.check_mode)
        display.display(line)
        result.update(
            changed=bool(files),
            paths=paths,
            json_path=paths.get('json'),
            markdown_path=paths.get('md'),
            counts=model['counts']['verdicts'],
            appliances=model['total'],
            drifted=model['drifted'],
            problems=problems(model, PROBLEM_VERDICTS),
            failure=failure,
            step_summary=summary_file if summary_file and not self.check_mode else None,
            msg=line,
        )
        if failure and not params['defer_failure']:
            result.update(failed=True, msg=failure)
        return result

    def _report(self, params):
        """The model and the ``[(format, file name, content)]`` to write."""
        if params['part'] and params['merge_from']:
            raise InputError('part and merge_from: a part is written by a slice, the merge reads the parts; give one.')
        if params['part'] and not PART_NAME.match(params['part']):
            raise InputError('part must be a file-name-safe word (letters, digits, ".", "_", "-"), like slice-1 or an '
                             'AWX job id (got "%s").' % params['part'])
        common = {'controller': socket.gethostname(), 'collection_version': collection_version(),
                  'generated_at': utc_now()}
        if params['merge_from']:
            if params['seats'] is not None:
                raise InputError('seats and merge_from: a merged report takes the seats its parts were written with; '
                                 'give seats to the parts.')
            if params['records'] is not None:
                raise InputError('records and merge_from: give one - the records of this run, or the directory of the '
                                 'part reports to merge.')
            model = merge(_read_parts(params['merge_from'], params['dest'],
                                      parse_duration(params['merge_max_age'], 'merge_max_age'), common['generated_at']),
                          **common)
        else:
            if params['records'] is None:
                raise InputError('records: required (the records of ghe_drift_scan or ghe_connect_info), unless '
                                 'merge_from names a directory of part reports.')
            read_at = parse_iso(params['read_at']) if params['read_at'] else None
            if params['read_at'] and read_at is None:
                raise InputError('read_at must be an ISO 8601 time with its zone, like 2026-12-01T09:10:56Z (got "%s").'
                                 % params['read_at'])
            model = build(params['records'], params['desired'], enterprise=params['ghec_enterprise'],
                          read_at=read_at, seats=params['seats'], **common)
        if params['part']:
            return model, [('json', 'drift-part-%s.json' % params['part'], as_json(model))]
        return model, render(model, params['formats'])


def collection_version():
    """This collection's version: from MANIFEST.json when installed, galaxy.yml in a checkout, else None."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, 'MANIFEST.json'), encoding='utf-8') as handle:
            return json.load(handle)['collection_info']['version']
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(os.path.join(root, 'galaxy.yml'), encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('version:'):
                    return line.split(':', 1)[1].strip().strip('"\'') or None
    except OSError:
        pass
    return None


def _read_parts(directory, dest, max_age, now):
    """``[(source, model)]`` of the part reports in ``directory``: ``drift-part-*.json`` and ``*/drift.json``."""
    if os.path.realpath(directory) == os.path.realpath(dest):
        raise InputError('merge_from and dest are the same directory; write the merged report elsewhere, so it is '
                         'never read back as a part.')
    if not os.path.isdir(directory):
        raise InputError('merge_from: %s is not a directory.' % directory)
    sources = sorted(glob.glob(os.path.join(glob.escape(directory), 'drift-part-*.json')) +
                     glob.glob(os.path.join(glob.escape(directory), '*', 'drift.json')))
    parts, stale = [], []
    for source in sources:
        try:
            with open(source, encoding='utf-8') as handle:
                model = json.load(handle)
        except (OSError, ValueError) as exc:
            raise InputError('merge_from: %s cannot be read as a drift report (%s).' % (source, exc)) from None
        if not isinstance(model, dict) or not isinstance(model.get('appliances'), list):
            raise InputError('merge_from: %s is not a drift report (no appliances list).' % source)
        read = parse_iso(model.get('data_read_at')) or parse_iso(model.get('generated_at'))
        if read is None or (now - read).total_seconds() > max_age:
            stale.append(os.path.relpath(source, directory))
        parts.append((os.path.relpath(source, directory), model))
    if stale:
        raise InputError('merge_from: %s older than merge_max_age (or undated); remove the parts of earlier runs, or '
                         'give each run its own directory.' % ', '.join(stale))
    return parts


def _failure(model, failing, paths):
    """The one failure message naming every appliance of a failing verdict, or None."""
    found = problems(model, failing)
    if not found:
        return None
    where = paths.get('html') or paths.get('md') or paths.get('json')
    text = name_problems(found)
    count = sum(len(names) for names in found.values())
    report = (' Report: %s' % where) if where else ''
    return '%s%s (%d of %d appliances).%s' % (text[0].upper(), text[1:], count, model['total'], report)


def name_problems(found, limit=NAMED_AT_MOST):
    """``drift on a, b; unknown on c``: the first ``limit`` appliances of ``{verdict: names}``, then how many more."""
    parts, shown = [], 0
    for verdict, names in found.items():
        if shown < limit:
            parts.append('%s on %s' % (label(verdict), ', '.join(names[:limit - shown])))
        shown += len(names)
    more = ' and %d more' % (shown - limit) if shown > limit else ''
    return '; '.join(parts) + more


def _summary(model, paths, check_mode):
    counts = model['counts']['verdicts']
    shown = ', '.join('%d %s' % (counts[v], label(v)) for v in counts if counts[v]) or 'no appliances'
    written = ', '.join(paths[fmt] for fmt in paths)
    verb = 'Would write' if check_mode else 'Written:'
    found = problems(model, PROBLEM_VERDICTS)
    named = ' Problem appliances: %s.' % name_problems(found) if found else ''
    return 'Drift report: %d appliances: %s.%s %s %s' % (model['total'], shown, named, verb, written)


def _append_step_summary(path, text):
    """Append ``text`` to the CI job summary file; True, or why not (never through a link)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        return 'not appended (%s)' % exc.strerror
    with os.fdopen(fd, 'a', encoding='utf-8') as handle:
        handle.write(text)
    return True
