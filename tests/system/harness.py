# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the module and role suites share: run a test playbook on a simulator, read its log."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from playbook_runner import REPO, run_playbook

PLAYBOOKS = Path(__file__).resolve().parent / 'playbooks'


def play(sim, name, hosts='ghes', check=False, diff=False, verbosity=0, forks=5, env=None, **extra_vars):
    """Run ``tests/system/playbooks/NAME.yml`` (or a repo playbook path) against ``sim``'s inventory."""
    playbook = PLAYBOOKS / ('%s.yml' % name) if '/' not in name else REPO / name
    extra_vars.setdefault('target_hosts', hosts)
    return run_playbook(playbook, sim.inventory_path, extra_vars=extra_vars, check=check, diff=diff,
                        verbosity=verbosity, forks=forks, env=env)


def reasons(state):
    """``{field: reason}`` of what a result says is unknown (its ``unknown``, the list ``[{field, reason}]``)."""
    assert isinstance(state['unknown'], list), state['unknown']
    return dict((u['field'], u['reason']) for u in state['unknown'])


def writes(control, name):
    """State-changing requests the appliance ``name`` received since its log was cleared."""
    return [r for r in control.requests(name)['requests'] if r['write']]


def ghec_writes(control):
    return [r for r in control.ghec_requests()['requests'] if r['write']]


def when_requested(control, name, path_suffix, action, times=1, limit=300):
    """In a thread: run ``action()`` once ``name`` has received ``times`` requests for ``path_suffix``.

    Lets a test play the operator at the right moment (the module is waiting) instead of
    after a fixed delay that a loaded machine can outrun. ``limit`` only ends a watch that
    would never fire: on a busy machine ansible-playbook alone can take a minute to get there.
    """
    def watch():
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            seen = [r for r in control.requests(name)['requests'] if r['path'].endswith(path_suffix)]
            if len(seen) >= times:
                action()
                return
            time.sleep(0.1)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread
