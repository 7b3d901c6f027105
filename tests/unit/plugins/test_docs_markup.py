# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every plugin's and role's documentation, read as ansible-doc reads it, with its markup checked.

Ansible's markup ends ``C(...)`` at the first ``)``: ``C("{{ lookup('env', 'X') }}")`` renders
as ``"{{ lookup('env', 'X'`` followed by stray text, and a reader who copies it gets broken
Jinja. antsibull-docs accepts such text (it is valid markup), so this test renders each text
with ansible-doc's own formatter and checks what a reader would copy: every macro closed where
its author meant, every ``{{`` with its ``}}``, every example valid YAML.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible.cli.doc import DocCLI
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
PLUGIN_DIRS = ('modules', 'inventory')
MACRO = re.compile(r'\b(RV|[CVOIBULMEP])\(')
# The macros whose argument may escape a parenthesis with a backslash (ansible-doc's semantic markup).
ESCAPING = frozenset(('V', 'O', 'RV', 'E'))
JINJA_PAIRS = (('{{', '}}'), ('{%', '%}'))


def plugin_files():
    found = []
    for kind in PLUGIN_DIRS:
        directory = os.path.join(ROOT, 'plugins', kind)
        found.extend(os.path.join(directory, name) for name in sorted(os.listdir(directory))
                     if name.endswith('.py') and not name.startswith('_'))
    return found


def role_specs():
    roles = os.path.join(ROOT, 'roles')
    return [os.path.join(roles, role, 'meta', 'argument_specs.yml') for role in sorted(os.listdir(roles))
            if os.path.exists(os.path.join(roles, role, 'meta', 'argument_specs.yml'))]


def macro_problems(text):
    """What goes wrong when ansible-doc renders ``text``'s macros, as messages (empty: nothing)."""
    problems = []
    for match in MACRO.finditer(text):
        name, start = match.group(1), match.end()
        argument, end, open_inside = _argument(text, start, name in ESCAPING)
        shown = '%s(%s' % (name, text[start:start + 40])
        if end is None:
            problems.append('%s...: never closed' % shown)
        elif open_inside:
            problems.append('%s...: closes at the first ")", inside its own parentheses' % shown)
        else:
            problems.extend('%s(%s): %s' % (name, argument, p) for p in jinja_problems(argument))
    return problems


def _argument(text, start, escaping):
    """``(argument, index of its closing parenthesis, parentheses opened inside and not closed)``.

    The index is None when nothing closes the macro. Only the macros that escape (``V(a(b\\))``) can
    hold a parenthesis pair; in the others the first ``)`` ends the macro whatever was opened.
    """
    chars = []
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if escaping and char == '\\' and index + 1 < len(text):
            if text[index + 1] == ')' and depth:
                depth -= 1
            chars.append(text[index + 1])
            index += 2
            continue
        if char == ')':
            return ''.join(chars), index, depth
        if char == '(':
            depth += 1
        chars.append(char)
        index += 1
    return ''.join(chars), None, depth


def jinja_problems(text):
    return ['%d "%s" but %d "%s"' % (text.count(opening), opening, text.count(closing), closing)
            for opening, closing in JINJA_PAIRS if text.count(opening) != text.count(closing)]


def text_problems(text):
    """Problems of one documentation text, before and after ansible-doc renders it."""
    problems = macro_problems(text) + jinja_problems(text)
    rendered = DocCLI.tty_ify(text)
    problems.extend('rendered as %r: %s' % (rendered, p) for p in jinja_problems(rendered) if not jinja_problems(text))
    return problems


def strings(value, where=''):
    """Every string in a loaded documentation tree, with where it is (``options.url.description[0]``)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, '%s.%s' % (where, key) if where else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from strings(item, '%s[%d]' % (where, index))


class ExampleLoader(yaml.SafeLoader):
    """Reads examples as a user's playbook would be read: tags such as ``!vault`` kept as their text."""


ExampleLoader.add_multi_constructor('!', lambda loader, suffix, node: loader.construct_scalar(node))


def tree_problems(tree):
    return ['%s: %s' % (where, problem) for where, text in strings(tree) for problem in text_problems(text)]


def example_problems(examples):
    if not examples:
        return ['no EXAMPLES']
    documents = list(yaml.load_all(examples, Loader=ExampleLoader))  # a YAML error fails the test itself
    return ['EXAMPLES %s: %s' % (where, problem) for where, text in strings(documents)
            for problem in jinja_problems(text)]


@pytest.mark.parametrize('path', plugin_files(), ids=os.path.basename)
def test_plugin_documentation_renders_as_written(path):
    is_module = os.path.basename(os.path.dirname(path)) == 'modules'
    doc, examples, returns, _metadata = get_docstring(path, fragment_loader, collection_name='ghes.connect',
                                                      is_module=is_module)
    assert doc, path
    problems = tree_problems(doc) + tree_problems(returns or {}) + example_problems(examples)
    assert problems == []


@pytest.mark.parametrize('path', role_specs(), ids=lambda p: p.split(os.sep)[-3])
def test_role_documentation_renders_as_written(path):
    with open(path, encoding='utf-8') as handle:
        assert tree_problems(yaml.safe_load(handle)) == []


def test_every_plugin_and_role_is_checked():
    names = [os.path.basename(p) for p in plugin_files()]
    assert 'ghec_servers.py' in names and 'ghe_connect.py' in names and len(names) >= 9
    assert {'drift', 'enable', 'license_upload'} <= {p.split(os.sep)[-3] for p in role_specs()}


@pytest.mark.parametrize('text, problem', [
    ("""as a template C("{{ lookup('ansible.builtin.env', 'MY_TOKEN') }}") in the file""", 'inside its own parentheses'),
    ('the option C(ghes_url is named', 'never closed'),
    ('a value V({{ x }) here', '1 "{{" but 0 "}}"'),
    ('a path {{ base }/x', '1 "{{" but 0 "}}"'),
])
def test_unbalanced_markup_is_found(text, problem):
    found = text_problems(text)
    assert found and problem in found[0], found


@pytest.mark.parametrize('text', [
    """as a template V("{{ lookup('ansible.builtin.env', 'MY_TOKEN'\\) }}") in the file""",  # escaped in V()
    'see O(ghes.connect.ghe_license_sync#module:max_sync_age) and L(the docs, https://docs.github.com)',
    'plain text (with parentheses) and C(ghe-license usage -y -o)',
])
def test_balanced_markup_passes(text):
    assert text_problems(text) == []


def test_examples_must_close_their_templates():
    assert example_problems('- debug:\n    msg: "{{ a }"\n') == ['EXAMPLES [0][0].debug.msg: 1 "{{" but 0 "}}"']
