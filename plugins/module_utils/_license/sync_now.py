# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""License sync: "Sync now" at most once per stale sync and awaited on GHEC, and when it cannot be acted on.

"Sync now" is a console post (MODELLED) that may land without an answer: it goes through
``write_once``, and the wait for the sync it starts through ``wait_until`` (``_common.waits``): whether
a sync came is GHEC's license-sync-status (documented).
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError, Refusal, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.files import write_private
from ansible_collections.ghes.connect.plugins.module_utils._common.records import unknown_reason
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import wait_until, write_once
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import FAILED, UNKNOWN, sync_health
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.entries import locked, read_fresh
from ansible_collections.ghes.connect.plugins.module_utils._run_cache.state_dir import usable_state_directory
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import switch_unknown_reason
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import preflight
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import parse_time, read_last_sync


def refuse_unconnected(appliance):
    """Stop: license sync needs GitHub Connect, and GHEC shows this appliance not connected to the enterprise."""
    raise Refusal('GitHub Connect is not enabled on %s (GHEC "%s" shows no connected installation named %s): '
                  'license sync needs it. Run ghes.connect.ghe_connect first (or the ghes.connect.enable role).'
                  % (appliance.url, appliance.params.get('ghec_enterprise'), appliance.hostname))


def refuse_unknown_switch(appliance, sync):
    """Stop before any write when nothing read says whether license sync is on: the reason, or maintenance mode."""
    if appliance.has_console_credentials and appliance.maintenance_on():
        preflight(appliance)  # raises, naming maintenance mode and what to do
    raise Refusal('Cannot tell whether license sync is on for %s, so nothing was changed: %s.'
                  % (appliance.url, switch_unknown_reason(sync)))


def ghe_com_target_unread(appliance, connect):
    """Whether turning license sync on needs the Connect page read first: only it shows a GHE.com target, which
    releases before 3.15 cannot sync to (``refuse_ghe_com_before_3_15``)."""
    return (not appliance.version.has('ghe_com_license_sync') and connect.target is None
            and appliance.version.has('ghe_com_target'))


def refuse_ghe_com_before_3_15(appliance, connect):
    """Stop before turning license sync on when the appliance is connected to GHE.com on a release that cannot sync there.

    The target is read before (``ghe_com_target_unread``): this only decides.
    """
    if appliance.version.has('ghe_com_license_sync'):
        return
    if connect.target == 'ghe_com':
        raise InputError('License sync to GHE.com needs GHES 3.15 or later; %s runs %s and is connected to GHE.com. '
                         'Upgrade the appliance, or upload its license usage with ghes.connect.ghe_license_upload.'
                         % (appliance.url, appliance.version))


def sync_now_and_wait(appliance, sync, wait_timeout, manual, say):
    """Have GHES sync now (a person when ``manual``) and wait for GHEC to record it: ``(state, clicked)``.

    ``state`` is ``sync`` with the new sync; ``clicked`` is False when a sync that another run on
    this controller triggered was awaited instead of clicking again (``sync_now_once``).
    """
    previous = (sync.last_sync or {}).get('date')
    if manual:
        say('Waiting up to %ss for the operator: %s' % (wait_timeout, appliance.instruction('sync_now')))
    clicked = manual or sync_now_once(appliance, previous, wait_timeout)
    return sync.with_last_sync(wait_for_new_sync(appliance, previous, wait_timeout, changed=not manual and clicked)), clicked


def sync_now_once(appliance, previous_date, wait_timeout):
    """Click "Sync now" unless a run on this controller did, for the same stale sync, less than ``wait_timeout`` ago.

    A click leaves a marker in the private state directory with the last sync date it waits to
    see replaced. A run that finds one younger than its ``wait_timeout`` whose date is still the
    latest waits for that sync instead of asking GHES for another: two concurrent runs, or a run
    after one that was interrupted while waiting, make one click. The marker is read and
    written under a lock, the click included. Without a usable state directory (see
    ``_run_cache.state_dir``; the run warns) every run clicks, as it would without this guard.
    A click that got no answer counts as made: GHEC shows whether a sync came, and it is never
    clicked twice. Returns True when this call clicked.
    """
    directory = usable_state_directory(appliance.params.get('state_dir'))
    if directory is None:
        _click(appliance)
        return True
    key = '\n'.join((appliance.params.get('ghec_url') or '', appliance.params.get('ghec_enterprise') or '',
                     (appliance.hostname or '').lower()))
    path = os.path.join(directory, 'sync-%s.json' % hashlib.sha256(key.encode('utf-8')).hexdigest()[:32])
    with locked(path + '.lock'):
        marker = read_fresh(path, wait_timeout)
        waiting = marker['value'] if marker and isinstance(marker['value'], dict) else {}
        if 'waiting_after' in waiting and waiting['waiting_after'] == previous_date:
            return False
        write_private(path, json.dumps({'stored': time.time(), 'value': {'waiting_after': previous_date}}))
        try:
            _click(appliance)
        except GhesConnectError:
            os.unlink(path)  # answered with a refusal, so no sync was requested: the next run may click
            raise
    return True


def _click(appliance):
    # Without an answer there is nothing to look at yet: the sync it may have started shows on GHEC,
    # which the caller waits for (``wait_for_new_sync``).
    write_once(appliance.console.sync_now, lambda: (True, None), 'Sync now on %s' % appliance.url,
               after=appliance.changed_state)


def wait_for_new_sync(appliance, previous_date, timeout, changed=True):
    """Wait until GHEC's license-sync-status shows a sync newer than ``previous_date`` and how it ended.

    Returns the ``read_last_sync`` state on success; a failed sync raises with GHEC's error text, and
    no new sync within ``timeout`` seconds raises ``WaitTimeoutError``. A new sync whose record does not
    say its status yet (``_ghec.sync_health``: missing, null, empty or not a word) is no failure: it is
    polled again, and a timeout says the status stayed unknown, with the reason.
    The operator is told the last sync seen meanwhile (``appliance.waiter``).
    """
    previous = parse_time(previous_date)

    def probe():
        state = read_last_sync(appliance, refresh=True)
        last = state.last_sync or {}
        when = parse_time(last.get('date'))
        if when is not None and (previous is None or when > previous):
            health = sync_health(last, None)
            if health['state'] == UNKNOWN:
                return False, ('unsaid', last.get('date'), health['reason']), 'new sync %s, status unknown: %s' % (
                    last.get('date'), health['reason'])
            if health['state'] == FAILED:
                raise GhesConnectError('The license sync of %s finished with status "%s" on GHEC: %s'
                                       % (appliance.url, last['status'], last.get('error') or 'no error text'),
                                       changed=changed)
            return True, state, None
        unknown = unknown_reason(state.unknown, 'license_sync.last_sync')
        if unknown:
            return False, ('unattributed', None, unknown), 'last sync unknown'
        return False, None, 'last sync %s' % (last.get('date') or 'none')

    def timed_out(last_seen):
        kind, date, reason = last_seen or (None, None, None)
        if kind == 'unsaid':
            raise WaitTimeoutError('Timed out after %ss waiting for GHEC to say how the new license sync of %s (%s) ended: '
                                   'it records a sync on %s, but its status stayed unknown: %s. Run the task again later '
                                   'to see it.' % (timeout, appliance.url, appliance.hostname, date, reason), changed=changed)
        raise WaitTimeoutError('Timed out after %ss waiting for GHEC to record a new license sync of %s (%s)%s. '
                               'The sync may still arrive: run again later.'
                               % (timeout, appliance.url, appliance.hostname,
                                  '; its last sync is unknown: %s' % reason if kind == 'unattributed' else ''),
                               changed=changed)
    return wait_until(probe, timeout, 'GHEC to record a new license sync', progress=appliance.waiter,
                      on_timeout=timed_out)
