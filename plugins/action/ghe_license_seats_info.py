# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_license_seats_info: who holds a seat of the enterprise, and who is likely counted twice.

Read-only in every mode, once per enterprise, on the controller: every page of GHEC's consumed
licenses and the license-sync status, made into the seat model (``module_utils/_seats``).
E-mail addresses are masked unless ``show_emails``.
"""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import parse_sync_age, seats_spec
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._seats.model import summary
from ansible_collections.ghes.connect.plugins.module_utils._seats.reading import ghec_client, read_seat_model
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase

display = Display()


class ActionModule(GhesActionBase):
    def argument_spec(self):
        return seats_spec()

    def make_appliance(self, params):
        return None

    def execute(self, appliance, params, task_vars):
        max_age = parse_sync_age(params['max_sync_age'], 'max_sync_age')
        inventory = [_inventory_item(index, item) for index, item in enumerate(params['appliances'])]
        ghec = ghec_client(params)
        try:
            model = read_seat_model(ghec, inventory=inventory, max_age=max_age, show_emails=params['show_emails'])
        finally:
            ghec.http.close_pool()
        line = summary(model)
        display.display(line)
        result = {'changed': False, 'seats': model, 'msg': line}
        if model.get('clock_warning'):
            result['warnings'] = [model['clock_warning']]
        return result


def _inventory_item(index, item):
    """``{appliance, hostname}`` of ``appliances[index]``, or InputError saying what each item needs."""
    name = item.get('appliance', item.get('name'))
    hostname = item.get('hostname')
    if not isinstance(name, str) or not name or (hostname is not None and not isinstance(hostname, str)):
        raise InputError('appliances[%d] needs a name (appliance or name) and the host name GHEC knows it by (hostname, '
                         'null when unknown); the records of ghe_drift_scan or ghe_connect_info have both.' % index)
    return {'appliance': name, 'hostname': hostname}
