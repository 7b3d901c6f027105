# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run real ``ansible-playbook`` processes against this checkout and read their results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
_COLLECTIONS = None


def collections_path():
    """A tree ``…/ansible_collections/ghes/connect`` pointing at this checkout (made once)."""
    global _COLLECTIONS  # pylint: disable=global-statement
    if _COLLECTIONS is None:
        root = Path(tempfile.mkdtemp(prefix='ghes-collections-'))
        (root / 'ansible_collections' / 'ghes').mkdir(parents=True)
        (root / 'ansible_collections' / 'ghes' / 'connect').symlink_to(REPO)
        _COLLECTIONS = root
    return _COLLECTIONS


class Run:
    def __init__(self, completed, results):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.results = results
        # ansible-playbook's pid (the run id of the collection's run cache), when a task reported
        self.pid = results[0].get('run_pid') if results else None

    @property
    def output(self):
        return self.stdout + self.stderr

    def for_task(self, task, host=None):
        """Results of the task named ``task``, or of the tasks running module ``task`` (e.g. ``ghe_connect``)."""
        return [r for r in self.results
                if (r['task'] == task or r['action'].split('.')[-1] == task) and (host is None or r['host'] == host)]

    def result(self, task, host):
        found = self.for_task(task, host)
        assert len(found) == 1, 'expected one result for %r on %s, got %d:\n%s' % (task, host, len(found), self.output[-3000:])
        return found[0]['result']

    def recap(self):
        """``{host: {ok, changed, failed, ...}}`` from the PLAY RECAP lines."""
        recap = {}
        lines = self.stdout.split('PLAY RECAP')[-1].splitlines()[1:]
        for line in lines:
            if ':' not in line or '=' not in line:
                continue
            host, counts = line.split(':', 1)
            recap[host.strip()] = dict((k, int(v)) for k, v in (p.split('=') for p in counts.split()))
        return recap


def run_playbook(playbook, inventory, extra_vars=None, check=False, diff=False, verbosity=0, forks=5,
                 env=None, extra_args=(), timeout=900):
    """Run ``ansible-playbook`` for real; return a ``Run``. Secrets go in ``extra_vars`` (a file, not argv)."""
    workdir = Path(tempfile.mkdtemp(prefix='ghes-run-'))
    log = workdir / 'results.jsonl'
    args = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory), str(playbook),
            '-f', str(forks)]
    if extra_vars:
        vars_file = workdir / 'extra_vars.json'
        vars_file.write_text(json.dumps(extra_vars))
        vars_file.chmod(0o600)
        args += ['-e', '@%s' % vars_file]
    if check:
        args.append('--check')
    if diff:
        args.append('--diff')
    if verbosity:
        args.append('-' + 'v' * verbosity)
    args += list(extra_args)
    run_env = dict(os.environ)
    run_env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(collections_path()),
        'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
        'ANSIBLE_CALLBACKS_ENABLED': 'result_log',
        'GHES_TEST_RESULT_LOG': str(log),
        'ANSIBLE_HOST_KEY_CHECKING': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_LOCAL_TEMP': str(workdir / 'tmp'),
        'ANSIBLE_DEPRECATION_WARNINGS': 'False',
    })
    run_env.update(env or {})
    completed = subprocess.run(args, capture_output=True, text=True, env=run_env, timeout=timeout,
                               cwd=str(workdir), check=False)
    results = []
    if log.exists():
        results = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return Run(completed, results)
