# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layer table of the collection's code, and the test that holds every import to it.

A package may import from its own package and from the layers above it (smaller rank),
never from a layer below it nor sideways into another package of its own rank. An action
plugin never imports another action plugin: what two plugins share lives in plugin_utils.
docs/architecture.md is written from this table.
"""

from __future__ import annotations

import ast
import os

import pytest

COLLECTION = 'ansible_collections.ghes.connect.plugins'
PLUGINS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins'))

# rank: packages of that layer (top first). What each package holds is in docs/architecture.md.
LAYERS = (
    (0, ('module_utils._common',)),
    (1, ('module_utils._transport',)),
    (2, ('module_utils._run_cache',)),
    (3, ('module_utils._interfaces',)),
    (4, ('module_utils._ghec',)),
    (5, ('module_utils._appliance',)),
    (6, ('module_utils._state',)),
    (7, ('module_utils._connect', 'module_utils._license', 'module_utils._seats')),
    (8, ('module_utils._reports',)),
    (9, ('plugin_utils',)),
    (10, ('action', 'filter', 'inventory')),
)
RANK = dict((package, rank) for rank, packages in LAYERS for package in packages)


def package_of(module):
    """The layer package of a dotted module path under plugins/ (``module_utils._ghec.client`` -> ``module_utils._ghec``)."""
    parts = module.split('.')
    candidate = '.'.join(parts[:2]) if parts[0] == 'module_utils' else parts[0]
    return candidate if candidate in RANK else None


def collection_imports(path):
    """Every ``ghes.connect`` module the file at ``path`` imports, as dotted paths under plugins/."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(COLLECTION + '.'):
            base = node.module[len(COLLECTION) + 1:]
            # ``from ...module_utils._ghec import client``: the names are modules of that package
            found.extend(base + '.' + alias.name if package_of(base) == base else base for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(a.name[len(COLLECTION) + 1:] for a in node.names if a.name.startswith(COLLECTION + '.'))
    return found


def plugin_files():
    for folder, _dirs, files in os.walk(PLUGINS):
        for name in sorted(files):
            if name.endswith('.py') and name != '__init__.py':
                path = os.path.join(folder, name)
                module = os.path.relpath(path, PLUGINS)[:-3].replace(os.sep, '.')
                yield module, path


def violations(module, imports):
    """Why each of ``module``'s imports breaks the table (empty when none does)."""
    own = package_of(module)
    found = []
    for target in imports:
        theirs = package_of(target)
        if own is None or own in ('modules', 'doc_fragments'):
            continue
        if theirs is None:
            found.append('%s imports %s, which is in no layer of the table' % (module, target))
        elif own == 'action' and theirs == 'action':
            found.append('%s imports the action plugin %s: move what they share to plugin_utils' % (module, target))
        elif theirs != own and RANK[theirs] >= RANK[own]:
            found.append('%s (layer %d) imports %s (layer %d): an import may only point up the table'
                         % (module, RANK[own], target, RANK[theirs]))
    return found


def test_every_module_utils_file_is_in_a_layer_package():
    loose = [m for m, _p in plugin_files() if m.startswith('module_utils.') and package_of(m) is None]
    assert loose == [], 'put these files in a package of the layer table: %s' % loose


def test_every_import_points_up_the_layer_table():
    found = [v for module, path in plugin_files() for v in violations(module, collection_imports(path))]
    assert found == []


@pytest.mark.parametrize('module, target, fragment', [
    ('module_utils._common.errors', 'module_utils._transport.http', 'may only point up'),
    ('module_utils._connect.approval', 'module_utils._license.sync_now', 'may only point up'),
    ('module_utils._state.observed', 'module_utils._reports.model', 'may only point up'),
    ('action.ghe_connect_fleet', 'action.ghe_drift_scan', 'move what they share to plugin_utils'),
    ('plugin_utils._action_base', 'action.ghe_connect', 'may only point up'),
    ('module_utils._ghec.client', 'module_utils._loose', 'in no layer'),
])
def test_a_planted_bad_import_is_named(module, target, fragment):
    assert any(fragment in v for v in violations(module, [target]))


def test_imports_inside_a_package_and_upwards_pass():
    assert violations('module_utils._state.gathering', ['module_utils._state.comparison', 'module_utils._common.errors']) == []
    assert violations('action.ghe_connect', ['plugin_utils._state_module', 'module_utils._connect.approval']) == []
