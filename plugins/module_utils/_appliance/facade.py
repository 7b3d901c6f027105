# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One appliance and its GHEC enterprise, as a task sees them: a composition of three parts.

- ``_appliance.clients.ApplianceClients``: the clients, built lazily from the task's options (and the
  administrative shell, when the task reaches the host over SSH);
- ``_appliance.own_facts.ApplianceFacts``: what the appliance says about itself (version, configured
  host name, maintenance, license), read once per task;
- ``_ghec.appliance_view.GhecView``: what GHEC records about it, from the run's shared enterprise-wide reads;

and the manual instructions (``_manual_instructions``) for its release. Modules use this one
object; each question is answered by the part that owns it.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._appliance.clients import ApplianceClients
from ansible_collections.ghes.connect.plugins.module_utils._appliance.own_facts import ApplianceFacts
from ansible_collections.ghes.connect.plugins.module_utils._ghec.appliance_view import GhecView
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.manual_instructions import manual_instruction


def _answered_by(part, name):
    """An attribute of the appliance that one of its parts answers (the part's own docstring says how)."""
    return property(lambda self: getattr(getattr(self, part), name))


class Appliance:
    """``share_facts``: keep what this task learns of the appliance (its version) for the run's
    later tasks. A fleet scan, which reads every appliance once, leaves it off: it would cost a
    file per appliance and nothing later reads it. ``budgeted``: every request of this appliance
    together ends within its budget (``_transport/http.appliance_budget``), as a fleet task reads it."""

    def __init__(self, params, policy=None, share_facts=True, budgeted=False):
        self.params = params
        self.warnings = []
        self.clients = ApplianceClients(params, lambda: self.facts.version, policy=policy, warnings=self.warnings,
                                        budgeted=budgeted)
        self.facts = ApplianceFacts(self.clients, self.warnings, share_facts=share_facts)
        self._ghec_view = None
        self.url = self.clients.url

    def close(self):
        """Close the connections kept open for this appliance (every client's: they share one pool)."""
        self.clients.close_pool()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- what the task sets -------------------------------------------------------------------
    @property
    def shell(self):
        return self.clients.shell

    @shell.setter
    def shell(self, shell):
        self.clients.shell = shell

    @property
    def waiter(self):
        return self.clients.waiter

    @waiter.setter
    def waiter(self, waiter):
        self.clients.waiter = waiter

    # -- clients ------------------------------------------------------------------------------
    manage = _answered_by('clients', 'manage')
    rest = _answered_by('clients', 'rest')
    console = _answered_by('clients', 'console')
    ghec = _answered_by('clients', 'ghec')
    config_runner = _answered_by('clients', 'config_runner')
    has_console_credentials = _answered_by('clients', 'has_console_credentials')

    # -- the appliance's facts ----------------------------------------------------------------
    version = _answered_by('facts', 'version')
    identity = _answered_by('facts', 'identity')
    license = _answered_by('facts', 'license')
    maintenance_on = _answered_by('facts', 'maintenance_on')
    maintenance_known = _answered_by('facts', 'maintenance_known')
    maintenance_unknown = _answered_by('facts', 'maintenance_unknown')
    config_run_in_progress = _answered_by('facts', 'config_run_in_progress')
    config_run_fact = _answered_by('facts', 'config_run_fact')
    shell_export = _answered_by('facts', 'shell_export')

    @property
    def hostname(self):
        """The host name GHEC knows this appliance by (normalised), or None when it cannot be established."""
        return self.facts.identity.name

    @property
    def console_usable(self):
        """Console credentials are given and the console is open (it is closed in maintenance mode)."""
        return self.clients.has_console_credentials and not self.facts.maintenance_on()

    # -- what GHEC records about it (built when first asked: a task may never ask) -------------
    @property
    def ghec_view(self):
        if self._ghec_view is None:
            self._ghec_view = GhecView(self.clients, lambda: self.hostname)
        return self._ghec_view

    @property
    def ghec_clock_warning(self):
        """The warning (one of ``warnings``) that ages were measured on the controller's clock, or None."""
        return self._ghec_view.clock_warning if self._ghec_view is not None else None

    ghec_access = _answered_by('ghec_view', 'access')
    warm_ghec_reads = _answered_by('ghec_view', 'warm')
    installation = _answered_by('ghec_view', 'installation')
    installations_listed = _answered_by('ghec_view', 'installations_listed')
    sync_status = _answered_by('ghec_view', 'sync_status')
    server_statistics = _answered_by('ghec_view', 'server_statistics')
    changed_state = _answered_by('ghec_view', 'changed_state')

    # -- what a person does by hand -----------------------------------------------------------
    def instruction(self, action):
        """What a person does by hand for ``action`` on this appliance's release."""
        return manual_instruction(self.version, self.url, self.params.get('enterprise_slug') or 'github', action)
