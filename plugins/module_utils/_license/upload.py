# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A license usage export: taken from the appliance, sent to GHEC once, awaited until GHEC processed it.

Uploads are named after the export's digest (``UsageFile.upload_name``), so GHEC's own upload
list says whether this exact export was sent: an upload that got no answer is looked for
there, never sent again blindly (``write_once``), and its processing is awaited through
``wait_until``.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    GhesConnectError,
    InputError,
    TransportError,
    WaitTimeoutError,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import where_set
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import wait_until, write_once
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import UsageFile, upload_named
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import SRC_ADMIN_SHELL

NOT_LISTED = 'not listed yet'


def export(appliance):
    """``(UsageFile, source)``: the documented shell command wins over the console's (modelled) export link."""
    if appliance.shell is not None:
        content, _data = appliance.shell_export()
        return UsageFile(content, 'the export of %s (admin shell)' % appliance.url), SRC_ADMIN_SHELL
    if not appliance.has_console_credentials:
        raise InputError('Exporting license usage from %s needs the administrative shell (reach the host with '
                         'ansible_connection: ansible.builtin.ssh, port 122, user admin) or %s and %s. Or export it by '
                         'hand ("ghe-license usage -y -o" on GHES 3.13+, "ghe-license-usage" before) and pass the file '
                         'as src.' % (appliance.url, where_set('console_username'), where_set('console_password')))
    return UsageFile(appliance.console.export_usage(), 'the export of %s' % appliance.url), 'console'


def listed(appliance, usage, refresh=False):
    """``(this export's upload or None, every upload)`` as GHEC lists them for the export's installation."""
    installation = appliance.installation(usage.host_name, refresh=refresh)
    records = list(installation.uploads) if installation else []
    return upload_named(records, usage.upload_name), records


def upload_once(appliance, usage):
    """Send the export to GHEC; without an answer, GHEC's upload list says whether it arrived."""
    def send():
        try:
            appliance.ghec.upload_usage(usage.upload_name, usage.content)
        except TransportError as exc:
            if not exc.maybe_sent:
                # It never reached GHEC (refused, TLS): nothing to look for, and the error says why.
                raise GhesConnectError(exc.message) from exc
            raise
    write_once(send, lambda: (listed(appliance, usage, refresh=True)[0] is not None, None),
               'The upload of %s to GHEC' % usage.upload_name, after=appliance.changed_state, shown_by='GHEC')


def await_upload(appliance, usage, timeout, changed):
    """Wait for GHEC to process the upload of ``usage``; return it (``UsageFile.upload_view``), or raise."""
    def probe():
        upload = listed(appliance, usage, refresh=True)[0]
        state = upload.sync_state.value if upload else None
        if upload and not upload.sync_state.known:
            # Listed, but GHEC does not say how it went: no failure, no success, so it is polled again.
            reason = upload.sync_state.reason
            return False, 'its syncState stayed unknown: %s' % reason, 'syncState unknown: %s' % reason
        if state == 'SUCCESS':
            return True, usage.upload_view(upload), None
        if state == 'FAILURE':
            raise GhesConnectError('GHEC could not process the license usage upload %s (syncState FAILURE). Export '
                                   'the usage again from %s and retry; if it fails again, contact GitHub Support '
                                   'with the file.' % (usage.upload_name, appliance.url), changed=changed,
                                   upload=usage.upload_view(upload))
        seen = 'syncState %s' % (state or NOT_LISTED)
        return False, seen, seen

    def timed_out(last_seen):
        raise WaitTimeoutError('Timed out after %ss waiting for GHEC to process %s (%s). It was uploaded '
                               'once and will not be uploaded again: run the task later to see the result.'
                               % (timeout, usage.upload_name, last_seen), changed=changed)
    return wait_until(probe, timeout, 'GHEC to process the upload %s' % usage.upload_name, progress=appliance.waiter,
                      on_timeout=timed_out)
