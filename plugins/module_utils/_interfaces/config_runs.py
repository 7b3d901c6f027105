# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration-run poller: wait while a run is going, start one, follow it to the end.

GHES 3.12 and later: Manage API ``/config/apply`` with our own ``run_id``, so we follow
exactly the run we started. Older releases: the legacy ``/setup/api/configure`` and
``configcheck``. The poll interval stays under a second so a finished run is noticed
quickly, without hammering an appliance that is restarting its services.
"""

from __future__ import annotations

import time
import uuid

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import ConfigRunError
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import wait_until
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.nodes import parse_config_apply, parse_configcheck

POLL_FIRST = 0.2
POLL_MAX = 0.8
MAX_EVENTS_SHOWN = 10


class ConfigRunner:
    def __init__(self, version, manage, legacy, clock=time.monotonic, sleep=time.sleep, waiter=None):
        self.use_manage = version.has('manage_config')
        # The progress factory of _wait.wait_until (Appliance.waiter): tells the operator while a run lasts.
        self.waiter = waiter
        self.manage = manage
        self.legacy = legacy
        self.clock = clock
        self.sleep = sleep

    def running(self):
        """Whether a configuration run is in progress: True, False, or None when the answer does not say."""
        return self.running_fact().value

    def running_fact(self):
        """``records.Fact`` of a run in progress, over every node (``nodes.parse_config_apply``)."""
        if self.use_manage:
            return parse_config_apply(self.manage.config_apply_status())
        return parse_configcheck(self.legacy.configcheck())

    def wait_idle(self, timeout):
        """The ``Fact`` that ends the wait: idle, or unknown (an answer that does not say is not waited out as
        "idle"); raise ``WaitTimeoutError`` after ``timeout`` s of a run in progress."""
        def probe():
            fact = self.running_fact()
            return fact.value is not True, fact
        return self._poll(probe, timeout, 'a configuration run already in progress to finish')

    def apply(self, timeout):
        """Start a run and follow it; return ``{run_id, seconds}`` or raise ``ConfigRunError``."""
        started = self.clock()
        if self.use_manage:
            run_id = self.manage.start_config_apply(uuid.uuid4().hex[:8])
            status = self._poll(lambda: self._manage_status(run_id), timeout, 'configuration run %s' % run_id)
            if not _manage_succeeded(status):
                outcome = 'failed' if status.get('successful') is False else 'ended without saying that it succeeded'
                raise ConfigRunError(
                    'Configuration run %s %s on %s.' % (run_id, outcome, ', '.join(_failed_nodes(status)) or 'the appliance'),
                    events=self._failing_events(run_id), run_id=run_id)
        else:
            run_id = None
            self.legacy.configure()
            status = self._poll(self._legacy_status, timeout, 'configuration run')
            if status.get('status') != 'success':
                failed = [p for p in _dicts(status.get('progress')) if p.get('status') == 'FAILED']
                raise ConfigRunError('Configuration run failed at: %s.'
                                     % (', '.join(str(p.get('key', '?')) for p in failed) or 'an unknown step'),
                                     events=failed)
        return {'run_id': run_id, 'seconds': round(self.clock() - started, 2)}

    # Following a run: done only when the answer says it is not running; one that does not say is polled again
    # (the wait's timeout then says it may still be running), never taken as the end of the run.
    def _manage_status(self, run_id):
        status = self.manage.config_apply_status(run_id)
        running = parse_config_apply(status)
        return running.value is False, status, 'running' if running.known else 'unknown: ' + running.reason

    def _legacy_status(self):
        status = self.legacy.configcheck()
        running = parse_configcheck(status)
        return running.value is False, status, status.get('status') if running.known else 'unknown: ' + running.reason

    def _poll(self, probe, timeout, what):
        """Call ``probe`` (returning ``(done, result)`` or ``(done, result, seen)``) until done; return the result."""
        return wait_until(lambda: _seen(probe()), timeout, what, progress=self.waiter, poll=POLL_FIRST,
                          max_poll=POLL_MAX, hint='It may still be running: check the Management Console, then run again.',
                          clock=self.clock, sleep=self.sleep)

    def _failing_events(self, run_id):
        try:
            data = self.manage.config_apply_events()
        except Exception:  # pylint: disable=broad-except
            # The run failed either way; events only explain it. Never hide the failure behind this.
            return []
        events = []
        for node in _dicts(data.get('nodes') if isinstance(data, dict) else None):
            for event in _dicts(node.get('events')):
                if event.get('config_run_id') not in (None, run_id):
                    continue
                if str(event.get('severity_text', '')).upper() in ('ERROR', 'FATAL', 'CRITICAL'):
                    events.append({'node': node.get('node'), 'timestamp': event.get('timestamp'),
                                   'severity': event.get('severity_text'), 'body': event.get('body'),
                                   'event_name': event.get('event_name')})
        return events[-MAX_EVENTS_SHOWN:]


def _seen(probed):
    return probed if len(probed) == 3 else probed + ('running',)


def _dicts(items):
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _manage_succeeded(status):
    """Whether the run said it succeeded, and so did every node it lists (a node that does not say did not)."""
    nodes = status.get('nodes') if isinstance(status.get('nodes'), list) else []
    return status.get('successful') is True and all(isinstance(n, dict) and n.get('successful') is True for n in nodes)


def _failed_nodes(status):
    nodes = status.get('nodes') if isinstance(status.get('nodes'), list) else []
    return [str(n.get('hostname', '?')) if isinstance(n, dict) else '?' for n in nodes
            if not (isinstance(n, dict) and n.get('successful') is True)]
