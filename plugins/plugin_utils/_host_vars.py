# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options the task leaves out, completed from the host variables.

The mapping is ``module_utils._host_vars.HOST_VARS``. An option neither the task nor
``module_defaults`` sets is taken from the host variable, then from its environment
variable, then its default: a user's play is then just ``hosts:`` and tasks.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail

from ansible_collections.ghes.connect.plugins.module_utils._host_vars import HOST_VARS


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


def _environment_names(rules):
    fallback = rules.get('fallback') or ()
    return list(fallback[1]) if len(fallback) > 1 else []


def _from_environment(rules):
    return any(os.environ.get(name) for name in _environment_names(rules))


def _environment_hint(rules):
    names = _environment_names(rules)
    return ' or the environment variable %s' % ' / '.join(names) if names else ''
