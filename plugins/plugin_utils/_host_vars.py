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
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import appliance_spec, check_task_inputs
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import HOST_VARS


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


class HostOptions:
    """Each host's options: its own variables for the appliance, the task's for GHEC, validated.

    The validator is made once: making one copies the whole argument spec, which cost more
    than validating (about 1 ms a host).
    """

    def __init__(self, mapping, cloud):
        spec = appliance_spec()
        self.mapping = mapping
        self.cloud = dict((k, _plain(v)) for k, v in cloud.items() if k in spec.options)
        self.names = frozenset(spec.options)
        self.validator = ArgumentSpecValidator(**spec.kwargs())
        self.warnings = set()

    def __call__(self, name, host):
        raw = dict(self.cloud)
        for option, variable in self.mapping.items():
            if option in self.names and variable in host and host[variable] is not None:
                raw[option] = _plain(host[variable])
        result = self.validator.validate(raw)
        if result.error_messages:
            return {'_error': '%s: %s' % (name, result.error_messages[0])}
        try:
            self.warnings.update('%s: %s' % (name, w) for w in check_task_inputs(result.validated_parameters))
        except InputError as exc:
            return {'_error': '%s: %s' % (name, exc.message)}
        return result.validated_parameters


def _plain(value):
    """``value`` without Ansible's data tags (origin, trust), which the validator's deep copy copies too.

    Copying a tagged value costs dozens of times a plain one: for a thousand hosts' variables,
    most of the time spent validating them.
    """
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return dict((_plain(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
