# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each action plugin's argument spec against its documentation stub, option by option.

The spec lives in plugins/action/, the documentation in plugins/modules/ (with the doc
fragments), and ansible-test's validate-modules cannot import an action plugin's spec: nothing
else checks that what ``ansible-doc`` tells a user is what the module accepts. The spec is built
the way the plugin builds it (``ActionModule.argument_spec()``), the documentation the way
``ansible-doc`` reads it (``get_docstring`` with the fragments merged).
"""

from __future__ import annotations

import importlib
import os
import re

import pytest

from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import SECRET_OPTIONS
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import HOST_VARS
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase

COLLECTION = 'ansible_collections.ghes.connect'
MODULES_DIR = os.path.join(os.path.dirname(importlib.import_module(COLLECTION + '.plugins.modules').__file__ or ''))
MODULES = sorted(f[:-3] for f in os.listdir(MODULES_DIR) if f.endswith('.py') and not f.startswith('_'))
# What validate-modules takes for a secret's name (its NO_LOG_REGEX): such an option states no_log either way.
SECRET_NAME = re.compile(r'(?:pass(?!ive)|secret|token|key)', re.I)


def documented_options(module):
    doc = get_docstring(os.path.join(MODULES_DIR, module + '.py'), fragment_loader, collection_name='ghes.connect',
                        is_module=True)[0]
    return doc.get('options') or {}


def action_plugin(module):
    return importlib.import_module('%s.plugins.action.%s' % (COLLECTION, module)).ActionModule


def spec_options(module):
    plugin = action_plugin(module)
    # argument_spec() reads nothing of the task: build it without one, as the plugin's run() does first.
    return plugin.argument_spec(object.__new__(plugin)).options


def differences(spec, doc, where='', host_vars=None):
    """Every way ``spec`` (argument spec options) and ``doc`` (documented options) disagree, as text.

    ``host_vars``: the host variables the plugin falls back to (``HOST_VARS`` for every ``GhesActionBase``).
    """
    host_vars = HOST_VARS if host_vars is None else host_vars
    found = []
    for name in sorted(set(spec) - set(doc)):
        found.append('%s%s: in the argument spec, not documented' % (where, name))
    for name in sorted(set(doc) - set(spec)):
        found.append('%s%s: documented, not in the argument spec' % (where, name))
    for name in sorted(set(spec) & set(doc)):
        found.extend(_option_differences(spec[name], doc[name], where + name, host_vars))
    return found


def _option_differences(rules, documented, where, host_vars):
    found = []
    # ansible-doc's "required" means the task must set it: an option a host variable can carry is not, and its
    # text says that it is required in one of its places.
    carried = where.rsplit('.', 1)[-1] in host_vars
    compared = {
        'type': (rules.get('type', 'str'), documented.get('type', 'str')),
        'default': (rules.get('default'), documented.get('default')),
        'required': (bool(rules.get('required')) and not carried, bool(documented.get('required'))),
        'elements': (rules.get('elements'), documented.get('elements')),
        'choices': (sorted(rules.get('choices') or []), sorted(documented.get('choices') or [])),
        'aliases': (sorted(rules.get('aliases') or []), sorted(documented.get('aliases') or [])),
    }
    for field, (in_spec, in_doc) in compared.items():
        if in_spec != in_doc:
            found.append('%s: %s is %r in the argument spec, %r in the documentation' % (where, field, in_spec, in_doc))
    if rules.get('required') and 'default' in rules:
        found.append('%s: required and with a default' % where)
    if rules.get('required') and carried and 'Required' not in _text(documented):
        found.append('%s: required, but its documentation does not say so' % where)
    found.extend(_no_log_differences(rules, documented, where))
    found.extend(_source_differences(rules, documented, where, host_vars))
    if rules.get('options') or documented.get('suboptions'):
        found.extend(differences(rules.get('options') or {}, documented.get('suboptions') or {}, where + '.', {}))
    return found


def _no_log_differences(rules, documented, where):
    """Secrets: ``no_log`` in the spec, redacted by the collection, and no default a log could show."""
    name = where.rsplit('.', 1)[-1]
    found = []
    if SECRET_NAME.search(name) and 'no_log' not in rules:
        found.append('%s: its name looks like a secret: state no_log (true, or false for a public value)' % where)
    if rules.get('no_log'):
        if name not in SECRET_OPTIONS:
            found.append('%s: no_log, but not in SECRET_OPTIONS (its value would not be scrubbed from messages)' % where)
        if documented.get('default') is not None:
            found.append('%s: a secret with a documented default' % where)
    elif name in SECRET_OPTIONS and '.' not in where:
        found.append('%s: in SECRET_OPTIONS but not no_log' % where)
    return found


def _source_differences(rules, documented, where, host_vars):
    """The host variable and environment variables the option falls back to are the ones its text names."""
    text = _text(documented)
    found = []
    fallback = rules.get('fallback') or ()
    for variable in (list(fallback[1]) if len(fallback) > 1 else []):
        if 'E(%s)' % variable not in text:
            found.append('%s: falls back to the environment variable %s, which its documentation does not name'
                         % (where, variable))
    for variable in re.findall(r'E\(([A-Z0-9_]+)\)', text):
        if variable not in (list(fallback[1]) if len(fallback) > 1 else []):
            found.append('%s: documented to read the environment variable %s, which the spec does not' % (where, variable))
    name = where.rsplit('.', 1)[-1]
    if name in host_vars and 'C(%s)' % host_vars[name] not in text \
            and 'host variables' not in text:
        found.append('%s: falls back to the host variable %s, which its documentation does not name'
                     % (where, host_vars[name]))
    return found


def _text(documented):
    description = documented.get('description') or []
    return ' '.join([description] if isinstance(description, str) else description)


def test_every_module_has_an_action_plugin_and_a_stub():
    actions_dir = os.path.dirname(importlib.import_module(COLLECTION + '.plugins.action').__file__ or '')
    actions = sorted(f[:-3] for f in os.listdir(actions_dir) if f.endswith('.py') and not f.startswith('_'))
    assert MODULES == actions
    assert len(MODULES) == 9


@pytest.mark.parametrize('module', MODULES)
def test_argument_spec_matches_the_documentation(module):
    host_vars = HOST_VARS if issubclass(action_plugin(module), GhesActionBase) else {}
    assert differences(spec_options(module), documented_options(module), host_vars=host_vars) == []


def test_a_mismatch_is_found():
    """The comparison itself: each kind of disagreement is reported, naming the option and the field."""
    doc = {'url': {'type': 'str', 'description': ['From the host variable C(ghes_url), then E(GHES_URL).']},
           'mode': {'type': 'str', 'choices': ['a', 'b'], 'default': 'a', 'description': 'x'},
           'ttl': {'type': 'int', 'default': 30, 'aliases': ['age'], 'description': 'x'},
           'desired': {'type': 'dict', 'suboptions': {'age': {'type': 'str', 'description': 'x'}}, 'description': 'x'},
           'token': {'type': 'str', 'description': 'x'},
           'extra': {'type': 'str', 'description': 'x'}}
    spec = {'url': {'type': 'str', 'required': True, 'fallback': (None, ['GHES_URL', 'GITHUB_URL'])},
            'mode': {'type': 'str', 'choices': ['a', 'c'], 'default': 'a'},
            'ttl': {'type': 'str', 'default': 60},
            'desired': {'type': 'dict', 'options': {'age': {'type': 'str', 'default': '8d'}}},
            'token': {'type': 'str'},
            'hidden': {'type': 'bool'}}
    found = differences(spec, doc)
    assert found == [
        'hidden: in the argument spec, not documented',
        'extra: documented, not in the argument spec',
        "desired.age: default is '8d' in the argument spec, None in the documentation",
        "mode: choices is ['a', 'c'] in the argument spec, ['a', 'b'] in the documentation",
        "token: its name looks like a secret: state no_log (true, or false for a public value)",
        "token: in SECRET_OPTIONS but not no_log",
        "token: falls back to the host variable ghes_token, which its documentation does not name",
        "ttl: type is 'str' in the argument spec, 'int' in the documentation",
        "ttl: default is 60 in the argument spec, 30 in the documentation",
        "ttl: aliases is [] in the argument spec, ['age'] in the documentation",
        'url: required, but its documentation does not say so',
        'url: falls back to the environment variable GITHUB_URL, which its documentation does not name',
    ]


def test_the_desired_state_is_documented_alike_where_it_is_taken():
    """ghe_connect_info and ghe_drift_scan compare alike (one DESIRED_OPTIONS): one text for its fields."""
    info, scan = (documented_options(m)['desired']['suboptions'] for m in ('ghe_connect_info', 'ghe_drift_scan'))
    assert info == scan
    assert 'upload' in _text(info['max_sync_age'])


def test_one_name_per_concept():
    """The age of the last successful sync (or upload) is max_sync_age in every module; no old name answers (0.1.0 was never released)."""
    for module in MODULES:
        spec = spec_options(module)
        names = set(spec) | set((spec.get('desired') or {}).get('options') or {})
        assert not names & {'max_age', 'stale_after', 'list_dir'}, module
        aliases = {alias for rules in spec.values() for alias in rules.get('aliases') or ()}
        assert not aliases & {'max_age', 'stale_after', 'list_dir'}, module
