# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Known or unknown: the one shape of every fact the collection reads.

A ``Fact`` is known (a value and the interface it came from) or unknown (no value, and the
reason in words: "croquetSupport missing from the Manage API license"). Parsers at the
client boundary build records of facts; nothing downstream decides what a missing field
means. A ``Record`` is a dataclass of facts with one ``to_dict()`` for results (an unknown
fact is ``None`` there, never a default), and ``unknown()``/``sources()`` for the
state's bookkeeping.

What is unknown has one shape everywhere, in states while they are built and in every
result and record: the list ``[{field, reason}]``, sorted by field, one entry per field
(``set_unknown``, ``unknown_reason``).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Fact:
    """A value with its source, or no value with the reason (``reason`` set means unknown)."""

    value: object = None
    source: str | None = None
    reason: str | None = None

    @classmethod
    def of(cls, value, source):
        return cls(value=value, source=source)

    @classmethod
    def missing(cls, reason):
        return cls(reason=reason)

    @property
    def known(self):
        return self.reason is None


def field_fact(answer, key, kind, source, what):
    """``answer[key]`` as a ``Fact``: known when present and of ``kind``, else unknown saying which.

    ``what`` names the answer in the reason ("the Manage API license"). A bool is not a number here.
    """
    if not isinstance(answer, dict):
        return Fact.missing('%s not read: %s is not an object (%s)' % (key, what, type(answer).__name__))
    if key not in answer:
        return Fact.missing('%s missing from %s' % (key, what))
    value = answer[key]
    if value is None:
        return Fact.missing('%s is null in %s' % (key, what))
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        return Fact.missing('%s in %s is a %s, not a %s' % (key, what, type(value).__name__, kind_name(kind)))
    return Fact.of(value, source)


def kind_name(kind):
    """How a message names a JSON type (``str`` is "string", ``dict`` "object"; a tuple of them joined by "or")."""
    if isinstance(kind, tuple):
        return ' or '.join(kind_name(k) for k in kind)
    return {bool: 'boolean', str: 'string', int: 'number', dict: 'object', list: 'list'}.get(kind, kind.__name__)


def value_kind(value):
    """How a message names what an answer held instead: "null", or its type ("a dict", "a str")."""
    return 'null' if value is None else 'a %s' % type(value).__name__


class Record:
    """Base of the typed records: dataclasses whose ``Fact`` fields hold what an answer said."""

    def facts(self):
        return [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)
                if isinstance(getattr(self, f.name), Fact)]

    def to_dict(self):
        """Every field by name; a fact as its value (``None`` when unknown), a nested record as its ``to_dict()``."""
        return dict((f.name, _plain(getattr(self, f.name))) for f in dataclasses.fields(self))

    def unknown(self, prefix=''):
        """``[{field: prefix + name, reason}]`` of every unknown fact (the one shape of what is unknown)."""
        return unknown_list(dict((prefix + name, fact.reason) for name, fact in self.facts() if not fact.known))

    def sources(self, prefix=''):
        """``{prefix + field: source}`` of every known fact."""
        return dict((prefix + name, fact.source) for name, fact in self.facts() if fact.known)


def _plain(value):
    if isinstance(value, Fact):
        return value.value
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def unknown_list(unknown):
    """The one shape of what could not be read, ``[{field, reason}]`` sorted by field, from a record's ``{field: reason}``."""
    return [{'field': field, 'reason': reason} for field, reason in sorted(unknown.items())]


def unknown_reason(unknown, field):
    """Why ``field`` is unknown according to the list ``unknown``, or None when it is not listed."""
    return next((entry['reason'] for entry in unknown or () if entry['field'] == field), None)


def set_unknown(unknown, field, reason):
    """Say in the list ``unknown`` (in place) why ``field`` is unknown, replacing what it said before; a ``reason``
    of None takes the field off the list (a later read settled it)."""
    unknown[:] = [entry for entry in unknown if entry['field'] != field]
    if reason is not None:
        unknown.append({'field': field, 'reason': reason})
        unknown.sort(key=lambda entry: entry['field'])
