# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seat model of one enterprise, read from GHEC with the task's options (no appliance involved).

Two documented reads: every page of consumed licenses, then the license-sync status (one
request, whose ``Date`` is GHEC's clock, against which sync ages are measured).
"""

from __future__ import annotations

import os

from ansible_collections.ghes.connect.plugins.module_utils._appliance.clients import MAX_ANSWER_MB
from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import SECRET_OPTIONS, check_urls
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._ghec.client import GhecClient
from ansible_collections.ghes.connect.plugins.module_utils._seats.consumed import SeatsUnreadable, read_consumed
from ansible_collections.ghes.connect.plugins.module_utils._seats.model import seat_model, unknown_model
from ansible_collections.ghes.connect.plugins.module_utils._transport.http import HttpClient, RetryPolicy


def ghec_client(params):
    """A ``GhecClient`` for ``ghec_url`` with ``ghec_token``, or InputError naming the option that is missing."""
    check_urls(params)
    for option, variable in (('ghec_token', 'GHEC_TOKEN'), ('ghec_enterprise', 'GHEC_ENTERPRISE')):
        if not params.get(option):
            raise InputError('%s is required (or the environment variable %s): the seats are read from the GHEC '
                             'enterprise.' % (option, variable))
    if params.get('ghec_ca_path') and not os.path.isfile(params['ghec_ca_path']):
        raise InputError('ghec_ca_path "%s" does not exist or is not a file: give the path of a PEM CA certificate on the '
                         'controller.' % params['ghec_ca_path'])
    http = HttpClient(params['ghec_url'], 'GHEC', validate_certs=params.get('ghec_validate_certs', True),
                      ca_path=params.get('ghec_ca_path'), timeout=params.get('timeout', 30),
                      policy=RetryPolicy(retries=params.get('retries', 5)), token=params['ghec_token'],
                      secrets=tuple(params[k] for k in SECRET_OPTIONS if params.get(k)), address_from='ghec_url',
                      max_answer=MAX_ANSWER_MB['GHEC'] * 1024 * 1024)
    return GhecClient(http, params['ghec_enterprise'])


def read_seat_model(ghec, inventory=None, max_age=None, show_emails=False):
    """The seat model, or the unknown model with the reason when the consumed licenses could not be read whole.

    Errors of the license-sync read (and of access: token, scope, enterprise) are raised: without
    them not even the reason would be right.
    """
    try:
        read = read_consumed(ghec)
    except SeatsUnreadable as exc:
        return unknown_model(exc.message, enterprise=ghec.enterprise, show_emails=show_emails)
    return seat_model(read, ghec.license_sync_status(), inventory=inventory, max_age=max_age, show_emails=show_emails,
                      enterprise=ghec.enterprise)
