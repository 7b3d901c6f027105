# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The GHE.com (data residency) target's appliance side: two documented ghe-config keys and a config run.

GitHub documents it in the administrative shell only: ``ghe-config
app.github.github-connect-ghe-com-enabled true``, ``ghe-config
app.github.github-connect-ghe-com-subdomain SUBDOMAIN``, then ``ghe-config-apply`` (GHES 3.12+).
The keys are read first and written only when they differ; the run goes through the Manage
API (``POST /manage/v1/config/apply``, followed by the config-run poller) where it can, else
``ghe-config-apply`` in the shell, which returns when the run ends.
"""

from __future__ import annotations

import re

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import ConfigRunError
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.admin_shell import (
    GHE_COM_ENABLED,
    GHE_COM_SUBDOMAIN,
    SOURCE,
)
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.nodes import parse_config_apply

CONFIG_APPLY_TIMEOUT = 1800
FIELDS = (('enabled', GHE_COM_ENABLED), ('subdomain', GHE_COM_SUBDOMAIN))
SUBDOMAIN = re.compile(r'^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$')


def subdomain_problem(target, subdomain):
    """What is wrong with ``ghe_com_subdomain`` for ``target`` (a message naming the fix), or None."""
    if subdomain and target != 'ghe_com':
        return 'ghe_com_subdomain is only used with target: ghe_com.'
    if subdomain and not SUBDOMAIN.match(subdomain):
        return ('ghe_com_subdomain must be the SUBDOMAIN of SUBDOMAIN.ghe.com (lower-case letters, digits, hyphens), '
                'got "%s".' % subdomain)
    return None


def target_problem(appliance, target):
    """Why this appliance's release cannot connect to ``target`` (a message naming the fix), or None."""
    if target == 'ghe_com' and not appliance.version.has('ghe_com_target'):
        return ('target: ghe_com needs GHES 3.12 or later; %s runs %s. Use target: github_com or upgrade.'
                % (appliance.url, appliance.version))
    return None


def read_config(appliance, subdomain):
    """``{before, after, source}`` of the two keys, or None (with a warning) when the shell is not used."""
    if appliance.shell is None:
        appliance.warnings.append(
            'target: ghe_com also needs "ghe-config %s true", "ghe-config %s %s" and a config run on the appliance; '
            'without the administrative shell (reach the host with ansible_connection: ansible.builtin.ssh, port 122, '
            'user admin) ghes.connect can neither read nor set them: do it by hand.'
            % (GHE_COM_ENABLED, GHE_COM_SUBDOMAIN, subdomain))
        return None
    before = dict((field, appliance.shell.config_get(key)) for field, key in FIELDS)
    after = {'enabled': 'true', 'subdomain': subdomain}
    # ghe-config shows the keys as set, not whether a run applied them: keys already right after a failed run
    # (an earlier task's, say) still need one.
    failed = before == after and _last_run_failed(appliance)
    return {'before': before, 'after': after, 'source': SOURCE, 'last_run_failed': failed}


def differs(config):
    """Whether the keys must be set or applied."""
    return config is not None and (config['before'] != config['after'] or config['last_run_failed'])


def _last_run_failed(appliance):
    if not (appliance.version.has('manage_config') and appliance.params.get('manage_password')):
        return False
    status = appliance.manage.config_apply_status()
    # Failed only when the answer says the run ended (parse_config_apply, over every node) and did not succeed: one
    # that does not say whether a run is going may be a run in progress (successful false until it ends).
    return parse_config_apply(status).value is False and status.get('successful') is False


def apply_config(appliance, config):
    """Set the keys that differ, then run the configuration; returns ``{run_id, seconds, via}``."""
    written = []
    for field, key in FIELDS:
        if config['before'][field] != config['after'][field]:
            appliance.shell.config_set(key, config['after'][field])
            written.append(key)
    appliance.changed_state()
    use_manage = appliance.version.has('manage_config') and appliance.params.get('manage_password')
    try:
        if use_manage:
            run = appliance.config_runner.apply(CONFIG_APPLY_TIMEOUT)
            run['via'] = 'manage_api'
        else:
            run = appliance.shell.config_apply()
            run['via'] = SOURCE
    except ConfigRunError as exc:
        raise ConfigRunError(
            '%s The ghe-config keys were left as set (%s = true, %s = %s): fix the cause in the events, then run '
            'again (the run is started again; the keys are not rewritten). GitHub Connect was not enabled.'
            % (exc.message, GHE_COM_ENABLED, GHE_COM_SUBDOMAIN, config['after']['subdomain']),
            events=exc.events, changed=True, run_id=exc.details.get('run_id'),
            ghe_config=dict(config, written=written)) from exc
    return dict(run, written=written)
