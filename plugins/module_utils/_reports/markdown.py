# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift.md: the report for people who read Markdown (a CI job summary, a ticket, a pull request)."""

from __future__ import annotations

import functools
import re

from ansible_collections.ghes.connect.plugins.module_utils._reports import seats as seats_words
from ansible_collections.ghes.connect.plugins.module_utils._reports.text import (
    desired_sentence,
    fix_line,
    kinds_sentence,
    label,
    overview,
    plain,
    problem_lines,
    when,
    words,
)
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import VERDICTS

# Characters Markdown (and the HTML that GitHub renders inside it) would read as markup.
_MARKUP = re.compile(r'([\\`*_\[\]<>|#!~])')


# Most cells repeat (versions, "on", "connected", dates): rendering a thousand appliances escapes a few hundred values.
@functools.lru_cache(maxsize=4096)
def text(value):
    """``value`` as literal Markdown text on one line: markup escaped, line breaks made spaces."""
    return _MARKUP.sub(r'\\\1', plain(value)).replace('&', '&amp;')


def render(model):
    verdicts = model['counts']['verdicts']
    differ = verdicts['drift'] + verdicts['blocked']
    unseen = verdicts['unknown'] + verdicts['error']
    lines = [
        '# GHES Connect drift report',
        '',
        '%d of %d appliances differ from the desired state (%s); %d could not be fully checked.'
        % (differ, model['total'], text(desired_sentence(model['desired'], model.get('enterprise'))), unseen),
        '',
        '| %s |' % ' | '.join(label(v) for v in VERDICTS),
        '|%s' % ('---|' * len(VERDICTS)),
        '| %s |' % ' | '.join(str(verdicts[v]) for v in VERDICTS),
        '',
        'Data read %s; report written %s on %s by ghes.connect %s.' % (
            text(when(model.get('data_read_at'))), text(when(model.get('generated_at'))),
            text(words(model.get('controller'))), text(words(model.get('collection_version')))),
    ]
    if kinds_sentence(model['counts']):
        lines += ['', 'By kind: %s.' % text(kinds_sentence(model['counts']))]
    if model.get('parts'):
        lines.append('Merged from %d part reports.' % len(model['parts']))
    lines += ['', '| appliance | verdict | version | connected | license sync | last sync |',
              '|---|---|---|---|---|---|']
    for record in model['appliances']:
        cells = overview(record)
        lines.append('| %s | %s | %s | %s | %s | %s |' % (
            text(record['appliance']), label(record['verdict']), text(cells['version']), text(cells['connected']),
            text(cells['license_sync']), text(cells['last_sync'])))
    troubled = [r for r in model['appliances'] if problem_lines(r)]
    if troubled:
        lines += ['', '## What to do']
    for record in troubled:
        lines += ['', '### %s (%s)' % (text(record['appliance']), label(record['verdict'])), '']
        for _kind, what, todo in problem_lines(record):
            lines.append('- %s' % text(fix_line(what, todo)))
    if model.get('seats') is not None:
        lines += seats_section(model['seats'])
    return '\n'.join(lines) + '\n'


def seats_section(seats):
    """The "Seats" section: the headline, the counts, per appliance, the likely duplicates and the rules."""
    lines = ['', '## Seats', '', text(seats_words.headline(seats))]
    if not seats['known']:
        return lines
    numbers = seats_words.counts(seats)
    lines += ['', '| %s |' % ' | '.join(what for what, _n in numbers), '|%s' % ('---|' * len(numbers)),
              '| %s |' % ' | '.join('{:,}'.format(n) for _what, n in numbers),
              '', '| GHES host | appliance | users | GHES only | last sync | note |', '|---|---|---|---|---|---|']
    lines += ['| %s |' % ' | '.join(text(cell) for cell in row) for row in seats_words.appliance_rows(seats)]
    rows, more = seats_words.pair_rows(seats)
    lines += ['', '### Likely counted twice', '', text(seats_words.LIKELY) + ' ' + text(seats_words.masking_sentence(seats))]
    if rows:
        lines += ['', '| confidence | rule | GHES | GHEC login | evidence | to fix |', '|---|---|---|---|---|---|']
        lines += ['| %s |' % ' | '.join(text(cell) for cell in row) for row in rows]
    if more:
        lines += ['', 'And %d more in drift.json.' % more]
    lines += ['', '| rule | confidence | what it sees | source |', '|---|---|---|---|']
    lines += ['| %s |' % ' | '.join(text(cell) for cell in row) for row in seats_words.rule_rows(seats)]
    return lines
