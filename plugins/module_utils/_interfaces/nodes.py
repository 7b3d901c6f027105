# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-node answers of an appliance, read over every node: version, maintenance, config runs.

An appliance is one or more nodes (HA replicas, cluster nodes); ``/manage/v1/version``,
``/manage/v1/maintenance`` and ``/manage/v1/config/apply`` answer per node and the nodes need
not agree (docs/interfaces.md). Each parser here reads every node:

- versions: mixed releases are named node by node, and the oldest governs what may be done;
- maintenance: on when any node is on, off when every node says off, unknown otherwise;
- a config run: running when the run or any node says so, idle when they say not, unknown otherwise.

An empty or unreadable node list is unknown (with the reason), never "off". A version read
that gives no version at all raises ``UnexpectedAnswerError`` naming the interface: nothing
can be decided without one.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, UnexpectedAnswerError
from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion

VERSION_ASKED = 'GET /manage/v1/version'
MAINTENANCE_ASKED = 'GET /manage/v1/maintenance'
LEGACY_MAINTENANCE_ASKED = 'GET /setup/api/maintenance'
CONFIG_APPLY_ASKED = 'GET /manage/v1/config/apply'
CONFIGCHECK_ASKED = 'GET /setup/api/configcheck'
MAINTENANCE_ON = ('on', True)
CONFIGCHECK_STATUSES = ('running', 'success', 'failed')   # documented; anything else is no reading
MAINTENANCE_OFF = ('off', 'scheduled', False)   # scheduled: not on yet


@dataclasses.dataclass(frozen=True)
class Versions:
    """Every node's release; ``governing`` is the oldest, ``nodes`` ``[{hostname, version}]``."""

    governing: GhesVersion
    nodes: tuple = ()

    @property
    def mixed(self):
        return len(set(node['version'] for node in self.nodes)) > 1

    def mixed_warning(self):
        """Names each node and its release when the nodes run different ones; None when they agree."""
        if not self.mixed:
            return None
        return ('The nodes of this appliance run different GHES releases (%s): the oldest, %s, governs what is read and '
                'done until every node is upgraded.' % (', '.join('%s %s' % (n['hostname'], n['version']) for n in self.nodes),
                                                        self.governing))


def _node_list(answer):
    """The nodes of a per-node answer: a list, or a bare object as a one-node list (as 3.9 - 3.11 answer)."""
    if isinstance(answer, dict):
        return [answer]
    if isinstance(answer, list):
        return answer
    return None


def parse_versions(answer):
    """``Versions`` from ``/manage/v1/version``: every node's release, the oldest governs.

    A node listed without a readable version could be the oldest, so the governing release is then unknown
    (``UnexpectedAnswerError`` naming the node), never taken from the other nodes.
    """
    nodes = _node_list(answer)
    read, unread = [], []
    for index, node in enumerate(nodes or []):
        version = _node_version(node)
        if version is None:
            unread.append(_hostname(node, index))
        else:
            read.append({'hostname': _hostname(node, index), 'version': version})
    if not read:
        raise UnexpectedAnswerError('The appliance answered %s without a readable version on any node (%s): the GHES '
                                    'version is unknown, so nothing was decided.'
                                    % (VERSION_ASKED, 'no node listed' if not nodes else '%d nodes' % len(nodes)))
    if unread:
        raise UnexpectedAnswerError('The appliance answered %s without a readable version for %s; the oldest release of '
                                    'the nodes governs and that could be it, so the GHES version is unknown and nothing '
                                    'was decided.' % (VERSION_ASKED, ', '.join(unread)))
    governing = min((node['version'] for node in read), key=lambda version: version.parts)
    return Versions(governing=governing, nodes=tuple(dict(n, version=str(n['version'])) for n in read))


def _node_version(node):
    """The ``GhesVersion`` a node of ``/manage/v1/version`` says (``{"version": {"version": TEXT}}``), or None."""
    release = node.get('version') if isinstance(node, dict) else None
    text = release.get('version') if isinstance(release, dict) else None
    try:
        return GhesVersion(text) if isinstance(text, str) else None
    except GhesConnectError:
        return None


def parse_maintenance(answer, asked=MAINTENANCE_ASKED):
    """``Fact`` of maintenance mode over every node: True when any is on, False when all are off, else unknown."""
    nodes = _node_list(answer)
    if not nodes:
        return Fact.missing('%s listed no node, so whether maintenance mode is on is unknown' % asked)
    statuses = [node.get('status') if isinstance(node, dict) else None for node in nodes]
    on = [_hostname(node, i) for i, (node, status) in enumerate(zip(nodes, statuses)) if _is(status, MAINTENANCE_ON)]
    if on:
        return Fact.of(True, asked)
    unread = [_hostname(node, i) for i, (node, status) in enumerate(zip(nodes, statuses)) if not _is(status, MAINTENANCE_OFF)]
    if unread:
        return Fact.missing('%s gave no on/off status for %s, so whether maintenance mode is on is unknown'
                            % (asked, ', '.join(unread)))
    return Fact.of(False, asked)


def parse_config_apply(answer):
    """``Fact`` of a configuration run in progress: the run's or any node's ``running``; unknown when none says."""
    if not isinstance(answer, dict):
        return Fact.missing('%s answered no object, so whether a configuration run is in progress is unknown'
                            % CONFIG_APPLY_ASKED)
    nodes = answer.get('nodes') if isinstance(answer.get('nodes'), list) else []
    said = [answer.get('running')] + [node.get('running') for node in nodes if isinstance(node, dict)]
    if any(value is True for value in said):
        return Fact.of(True, CONFIG_APPLY_ASKED)
    if isinstance(answer.get('running'), bool):
        return Fact.of(False, CONFIG_APPLY_ASKED)
    return Fact.missing('%s does not say whether a configuration run is in progress (no running field)'
                        % CONFIG_APPLY_ASKED)


def parse_configcheck(answer):
    """``Fact`` of a configuration run in progress from the legacy ``/setup/api/configcheck`` (``status``): running,
    or idle after ``success``/``failed``; any other status is unknown, never taken as "not running"."""
    status = answer.get('status') if isinstance(answer, dict) else None
    if not isinstance(status, str) or not status:
        return Fact.missing('%s does not say whether a configuration run is in progress (no status)' % CONFIGCHECK_ASKED)
    if status not in CONFIGCHECK_STATUSES:
        return Fact.missing('%s answered status %r, not one of %s, so whether a configuration run is in progress is '
                            'unknown' % (CONFIGCHECK_ASKED, status, '/'.join(CONFIGCHECK_STATUSES)))
    return Fact.of(status == 'running', CONFIGCHECK_ASKED)


def _is(status, values):
    return any(status is value if isinstance(value, bool) else status == value for value in values)


def _hostname(node, index):
    name = node.get('hostname') if isinstance(node, dict) else None
    return name if isinstance(name, str) and name else 'node %d' % (index + 1)
