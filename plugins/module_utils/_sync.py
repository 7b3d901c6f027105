# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for GHEC to record a license sync newer than the one we saw."""

from __future__ import annotations

import time

from ansible_collections.ghes.connect.plugins.module_utils._errors import GhesConnectError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._state import parse_time, read_last_sync

POLL_SECONDS = 1.0


def wait_for_new_sync(appliance, previous_date, timeout, changed=True, progress=None):
    """Poll GHEC's license-sync-status until a sync newer than ``previous_date`` shows.

    Returns the ``read_last_sync`` state on success; a failed sync raises with GHEC's
    error text, and no new sync within ``timeout`` seconds raises ``WaitTimeoutError``.
    ``progress`` (``Wait.seen`` of plugin_utils._wait) is told the last sync seen after each poll.
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
        if progress:
            progress('last sync %s' % (last.get('date') or 'none'))
        if time.monotonic() + POLL_SECONDS > deadline:
            raise WaitTimeoutError('Timed out after %ss waiting for GHEC to record a new license sync of %s (%s). '
                                   'The sync may still arrive: run again later.'
                                   % (timeout, appliance.url, appliance.hostname), changed=changed)
        time.sleep(POLL_SECONDS)
