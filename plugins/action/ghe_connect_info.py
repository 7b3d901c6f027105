# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect_info: everything a preflight or a drift check needs, for one appliance.

Read-only in every mode. Each value says where it came from (``sources``).
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._argspec import appliance_spec
from ansible_collections.ghes.connect.plugins.module_utils._facts import gather
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase


class ActionModule(GhesActionBase):
    def argument_spec(self):
        return appliance_spec(extra={'console': {'type': 'str', 'default': 'auto',
                                                 'choices': ['auto', 'always', 'never']}})

    def execute(self, appliance, params, task_vars):
        return {'changed': False, 'appliance': gather(appliance, params['console'])}
