# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task's options for one host, resolved in one place: per-host tasks, the fleet scan and the fleet step.

Each option is taken from the first place that sets it:

1. the task (its arguments, which already hold ``module_defaults``);
2. the host variable that ``module_utils._common.host_variables.HOST_VARS`` maps it to
   (undefined or null counts as unset; ``""`` is a value);
3. its environment variable (the argument spec's ``fallback``);
4. its default.

Then every host's options pass the same validation: the task's argument spec, and
``_argspec.check_task_inputs`` (whitespace around a secret, bounds). A fleet-wide task
(``ghe_drift_scan``, ``ghe_connect_fleet``) resolves each host of the play with one
``HostOptions``; the appliance options it names in ``host_only`` are each host's own, so
the task's values of those are not used.
"""

from __future__ import annotations

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import (
    CLOUD_OPTIONS,
    DESIRED_OPTIONS,
    check_task_inputs,
    secret_values,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import HOST_VARS

# Where a host says how its license usage reaches GHEC (the drift role and the scan read it alike).
LICENSE_REPORT_VAR = 'ghes_license_report'


class HostOptions:
    """The options of one task for each host it runs for (see the module docstring for the order).

    ``spec``: the ``ArgumentSpec`` each host's options are validated against; ``task_args``:
    the task's arguments; ``mapping``: option -> host variable; ``host_only``: options taken
    from the host only, never from the task; ``action``: the task's action, named by a message
    about an unsupported option. The validator is made once: making one copies the whole
    argument spec, which costs more than validating (about 1 ms a host).
    """

    def __init__(self, spec, task_args, mapping=None, host_only=(), action=None):
        self.spec = spec
        self.host_only = frozenset(host_only)
        self.task_args = dict((k, _plain(v)) for k, v in task_args.items() if k not in self.host_only)
        self.mapping = dict((option, variable) for option, variable in (HOST_VARS if mapping is None else mapping).items()
                            if option in spec.options)
        self.action = action
        self.validator = ArgumentSpecValidator(**spec.kwargs())
        # Every secret as given (a stray newline included) as well as used: either may show up in a message.
        self.secrets = []
        # A fleet task's warnings, each naming its host, each once.
        self.warnings = set()

    def __call__(self, host_name, host_vars):
        """A fleet task's options for one host: ``resolve``'s params, or ``{'_error': why}`` (that host's error only)."""
        try:
            params, warnings = self.resolve(host_vars, host_name)
        except InputError as exc:
            return {'_error': '%s: %s' % (host_name, exc.message)}
        self.warnings.update('%s: %s' % (host_name, warning) for warning in warnings)
        return params

    def resolve(self, host_vars, host_name, render=None):
        """``(params, warnings)`` of the host whose variables are ``host_vars``; ``InputError`` for wrong options.

        ``render`` turns a variable's value into the option's (templates rendered, vault decrypted):
        a per-host task's variables are raw, a fleet task's ``hostvars`` already rendered.
        """
        args = dict(self.task_args)
        for option, variable in self.mapping.items():
            if option in args or variable not in host_vars:
                continue
            value = host_vars[variable] if render is None else render(host_vars[variable])
            if value is not None:
                args[option] = _plain(value)
        for option, rules in self.spec.options.items():
            if rules.get('required') and option not in args and option in self.mapping and not _from_environment(rules):
                raise InputError('%s is required: set it %sin the host variable %s of %s%s.'
                                 % (option, '' if option in self.host_only else 'in the task, ',
                                    self.mapping[option], host_name, _environment_hint(rules)))
        result = self.validator.validate(args)
        if result.error_messages:
            message = result.errors.msg
            if isinstance(result.errors[0], UnsupportedError):
                message = 'Unsupported parameters for (%s) module: %s' % (self.action, message)
            raise InputError(message)
        params = result.validated_parameters
        self.secrets.extend(secret_values(params))
        warnings = check_task_inputs(params)
        self.secrets.extend(secret_values(params))
        return params, warnings


def license_report_of(host_name, host_vars):
    """The host's own choice of how its usage reaches GHEC (``ghes_license_report``: ``sync`` or ``upload``), None when
    unset; ``InputError`` naming the host and the choices otherwise, as the per-host task's ``desired`` check says it."""
    value = host_vars.get(LICENSE_REPORT_VAR)
    if value is None:
        return None
    choices = DESIRED_OPTIONS['license_report']['choices']
    if not isinstance(value, str) or value not in choices:
        raise InputError('%s: the host variable %s is %r; it must be one of %s (upload for an air-gapped appliance).'
                         % (host_name, LICENSE_REPORT_VAR, _plain(value), ', '.join(choices)))
    return str(value)


def task_cloud_options(task_args):
    """The GHEC options a fleet-wide task sets itself (its arguments and ``module_defaults``).

    Not the task's resolved options: the action base resolves those with the first host's
    variables, and a GHEC option the task leaves out is each host's own (its host variable,
    then the environment variable, then the default), as on a per-host task.
    """
    return dict((option, value) for option, value in task_args.items() if option in CLOUD_OPTIONS)


def _environment_names(rules):
    fallback = rules.get('fallback') or ()
    return list(fallback[1]) if len(fallback) > 1 else []


def _from_environment(rules):
    return any(os.environ.get(name) for name in _environment_names(rules))


def _environment_hint(rules):
    names = _environment_names(rules)
    return ' or the environment variable %s' % ' / '.join(names) if names else ''


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
