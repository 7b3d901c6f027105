# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Triggering "Sync now" at most once per stale sync, and waiting for GHEC to record a newer sync."""

from __future__ import annotations

import hashlib
import json
import os
import time

from ansible_collections.ghes.connect.plugins.module_utils._errors import GhesConnectError, TransportError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._files import write_private
from ansible_collections.ghes.connect.plugins.module_utils._shared_cache import locked, read_fresh
from ansible_collections.ghes.connect.plugins.module_utils._state import parse_time, read_last_sync
from ansible_collections.ghes.connect.plugins.module_utils._state_dir import usable_state_directory

POLL_SECONDS = 1.0


def sync_now_once(appliance, previous_date, wait_timeout, tolerate_no_answer=False):
    """Click "Sync now" unless a run on this controller did, for the same stale sync, less than ``wait_timeout`` ago.

    A click leaves a marker in the private state directory with the last sync date it waits to
    see replaced. A run that finds one younger than its ``wait_timeout`` whose date is still the
    latest waits for that sync instead of asking GHES for another: two concurrent runs, or a run
    after one that was interrupted while waiting, make one click. The marker is read and
    written under a lock, the click included. Without a usable state directory (see
    ``_state_dir``; the run warns) every run clicks, as it would without this guard.
    ``tolerate_no_answer``: a click that got no answer counts as made (GHEC shows whether a sync
    came); otherwise that error is raised. Returns True when this call clicked.
    """
    directory = usable_state_directory(appliance.params.get('state_dir'))
    if directory is None:
        _click(appliance, tolerate_no_answer)
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
            _click(appliance, tolerate_no_answer)
        except GhesConnectError as exc:
            if not isinstance(exc, TransportError) or not exc.maybe_sent:
                os.unlink(path)  # no sync was requested: the next run may click
            raise
    return True


def _click(appliance, tolerate_no_answer):
    try:
        appliance.console.sync_now()
    except TransportError:
        if not tolerate_no_answer:
            raise
        # No answer: whether a sync was scheduled shows on GHEC, which the caller reads; never clicked twice.
    appliance.changed_state()


def wait_for_new_sync(appliance, previous_date, timeout, changed=True):
    """Poll GHEC's license-sync-status until a sync newer than ``previous_date`` shows.

    Returns the ``read_last_sync`` state on success; a failed sync raises with GHEC's
    error text, and no new sync within ``timeout`` seconds raises ``WaitTimeoutError``.
    """
    previous = parse_time(previous_date)
    deadline = time.monotonic() + timeout
    while True:
        state = read_last_sync(appliance, refresh=True)
        last = state.get('last_sync') or {}
        when = parse_time(last.get('date'))
        if when is not None and (previous is None or when > previous):
            if last.get('status') != 'success':
                raise GhesConnectError('The license sync of %s finished with status "%s" on GHEC: %s'
                                       % (appliance.url, last.get('status'), last.get('error') or 'no error text'),
                                       changed=changed)
            return state
        if time.monotonic() + POLL_SECONDS > deadline:
            raise WaitTimeoutError('Timed out after %ss waiting for GHEC to record a new license sync of %s (%s). '
                                   'The sync may still arrive: run again later.'
                                   % (timeout, appliance.url, appliance.hostname), changed=changed)
        time.sleep(POLL_SECONDS)
