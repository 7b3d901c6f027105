# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which host variable carries each connection option: the one mapping every task reads.

An option the task does not set (neither in its arguments nor through ``module_defaults``)
is taken from the host variable named here, then from its environment variable, then its
default. A user's play is then just ``hosts:`` and tasks. The same names are documented
under each option (``doc_fragments``), read by the fleet-wide tasks for every host of the
play, and used by the inventory the simulator writes.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail

# Appliance options: ``ghes_`` + the option's name.
APPLIANCE_HOST_VARS = {
    'url': 'ghes_url', 'manage_url': 'ghes_manage_url', 'manage_username': 'ghes_manage_username',
    'manage_password': 'ghes_manage_password', 'token': 'ghes_token', 'hostname': 'ghes_hostname',
    'enterprise_slug': 'ghes_enterprise_slug', 'console_username': 'ghes_console_username',
    'console_password': 'ghes_console_password', 'console_totp_secret': 'ghes_console_totp_secret',
    'validate_certs': 'ghes_validate_certs', 'ca_path': 'ghes_ca_path', 'timeout': 'ghes_timeout',
    'retries': 'ghes_retries',
}
# GHEC options already carry their ``ghec_`` prefix: the host variable has the option's name.
CLOUD_HOST_VARS = dict((name, name) for name in (
    'ghec_url', 'ghec_web_url', 'ghec_token', 'ghec_enterprise', 'ghec_session', 'ghec_validate_certs',
    'ghec_ca_path', 'ghec_cache_ttl'))
HOST_VARS = dict(APPLIANCE_HOST_VARS, **CLOUD_HOST_VARS)


def with_host_variables(task_args, spec, task_vars, templar):
    """``task_args`` completed from the host's variables for every mapped option they leave out.

    Task arguments (which already hold ``module_defaults``) win; a variable that is undefined
    or null counts as unset, so the environment variable and the default still apply.
    Templates in the variables are rendered and vaulted values decrypted here, once.
    A required option set nowhere fails naming all three places it can come from.
    """
    args = dict(task_args)
    for option, variable in HOST_VARS.items():
        if option not in spec.options or option in args or variable not in task_vars:
            continue
        value = templar.template(task_vars[variable])
        if value is not None:
            args[option] = value
    for option, rules in spec.options.items():
        if rules.get('required') and option not in args and option in HOST_VARS and not _from_environment(rules):
            raise AnsibleActionFail('%s is required: set it in the task, in the host variable %s of %s%s.'
                                    % (option, HOST_VARS[option], task_vars.get('inventory_hostname', 'this host'),
                                       _environment_hint(rules)))
    return args


def where_set(option):
    """How a message names the places an option comes from: ``url (host variable ghes_url)``."""
    return '%s (host variable %s)' % (option, HOST_VARS[option]) if option in HOST_VARS else option


def _environment_names(rules):
    fallback = rules.get('fallback') or ()
    return list(fallback[1]) if len(fallback) > 1 else []


def _from_environment(rules):
    return any(os.environ.get(name) for name in _environment_names(rules))


def _environment_hint(rules):
    names = _environment_names(rules)
    return ' or the environment variable %s' % ' / '.join(names) if names else ''
