# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift.html: one self-contained page for people, readable at a thousand appliances.

No external asset (it is opened from a CI artefact, a mail or a file share, often offline):
CSS and a few lines of JavaScript are inline, and a Content-Security-Policy allows exactly
those two blocks by their hashes and nothing else. Every value is escaped - appliance names
and GHEC error strings are data - and the script only reads the page, never the data.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from html import escape as _escape

from ansible_collections.ghes.connect.plugins.module_utils._reports import seats as seats_words
from ansible_collections.ghes.connect.plugins.module_utils._reports.text import (
    desired_sentence,
    kinds_sentence,
    label,
    overview,
    plain,
    problem_lines,
    sentence,
    when,
    words,
)
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import VERDICTS

# A colour per verdict, always beside the verdict's word (never colour alone).
_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}
.meta{color:#59636e;margin:0 0 16px}
.counts{display:flex;gap:10px;flex-wrap:wrap;margin:0 0 16px;padding:0;list-style:none}
.counts li{border:1px solid #d1d9e0;border-radius:6px;padding:8px 14px;min-width:90px}
.counts b{display:block;font-size:24px}
.tools{display:flex;gap:16px;flex-wrap:wrap;align-items:center;margin:0 0 12px}
.tools label{white-space:nowrap}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;border-bottom:1px solid #d1d9e0;padding:6px 8px}
th{background:#f6f8fa;position:sticky;top:0}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-weight:600;white-space:nowrap}
.v-error{background:#ffebe9;color:#82071e;border:1px solid #ff8182}
.v-blocked{background:#fbefff;color:#6e40c9;border:1px solid #d8b9ff}
.v-drift{background:#fff8c5;color:#7d4e00;border:1px solid #d4a72c}
.v-unknown{background:#eaeef2;color:#424a53;border:1px solid #afb8c1}
.v-in_sync{background:#dafbe1;color:#116329;border:1px solid #4ac26b}
ul.problems{margin:0;padding-left:18px}
ul.problems li{margin:0 0 4px}
.todo{color:#59636e}
.none{color:#59636e}
td.name{white-space:nowrap}
tr[hidden]{display:none}
"""

# Filters rows by verdict and by a search in the appliance names; reads only the page.
_SCRIPT = """
(function () {
  var boxes = document.querySelectorAll('input[name=verdict]');
  var search = document.getElementById('search');
  var rows = document.querySelectorAll('#fleet tbody tr');
  var shown = document.getElementById('shown');
  function apply() {
    var wanted = {}, needle = search.value.trim().toLowerCase(), count = 0;
    boxes.forEach(function (box) { wanted[box.value] = box.checked; });
    rows.forEach(function (row) {
      var visible = wanted[row.dataset.verdict] && row.dataset.name.toLowerCase().indexOf(needle) !== -1;
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = String(count);
  }
  boxes.forEach(function (box) { box.addEventListener('change', apply); });
  search.addEventListener('input', apply);
  apply();
}());
"""


# Most cells repeat (versions, "on", "connected", dates): rendering a thousand appliances escapes a few hundred values.
@functools.lru_cache(maxsize=4096)
def escape(value, quote=True):
    """``value`` as HTML text: printable, and every markup character escaped."""
    return _escape(plain(value), quote=quote)


def _hash(source):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(source.encode('utf-8')).digest()).decode('ascii')


_POLICY = "default-src 'none'; style-src %s; script-src %s; img-src 'none'; base-uri 'none'; form-action 'none'" % (
    _hash(_STYLE), _hash(_SCRIPT))


def _badge(verdict):
    return '<span class="badge v-%s">%s</span>' % (escape(verdict), escape(label(verdict)))


def render(model):
    verdicts = model['counts']['verdicts']
    head = [
        '<!DOCTYPE html>',
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % escape(_POLICY, quote=False),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>GHES Connect drift report</title>',
        '<style>%s</style>' % _STYLE,
        '</head><body>',
        '<h1>GHES Connect drift report</h1>',
        '<p class="meta">Desired: %s.</p>' % escape(desired_sentence(model['desired'], model.get('enterprise'))),
        '<p class="meta">Data read <time id="read-at">%s</time>; report written <time>%s</time> on %s by '
        'ghes.connect %s.%s</p>' % (
            escape(when(model.get('data_read_at'))), escape(when(model.get('generated_at'))),
            escape(words(model.get('controller'))), escape(words(model.get('collection_version'))),
            (' Merged from %d part reports.' % len(model['parts'])) if model.get('parts') else ''),
        ('<p class="meta" id="kinds">By kind: %s.</p>' % escape(kinds_sentence(model['counts'])))
        if kinds_sentence(model['counts']) else '',
        '<ul class="counts" id="counts">',
        '<li><b id="count-total">%d</b>appliances</li>' % model['total'],
    ]
    head += ['<li data-verdict="%s"><b id="count-%s">%d</b>%s</li>' % (v, v, verdicts[v], _badge(v)) for v in VERDICTS]
    head += [
        '</ul>',
        '<div class="tools"><span>Show:</span>',
    ]
    head += ['<label><input type="checkbox" name="verdict" value="%s" checked> %s</label>' % (v, _badge(v))
             for v in VERDICTS]
    head += [
        '<label>Search: <input type="search" id="search" placeholder="appliance name"></label>',
        '<span><b id="shown">%d</b> shown</span></div>' % model['total'],
        '<table id="fleet"><thead><tr><th>appliance</th><th>verdict</th><th>version</th><th>connected</th><th>license sync</th>'
        '<th>last sync</th><th>problems and what to do</th></tr></thead><tbody>',
    ]
    rows = [_row(record) for record in model['appliances']]
    tail = ['</tbody></table>'] + (_seats_section(model['seats']) if model.get('seats') is not None else []) + \
        ['<script>%s</script>' % _SCRIPT, '</body></html>']
    return '\n'.join(head + rows + tail) + '\n'


def _row(record):
    cells = overview(record)
    lines = problem_lines(record)
    if lines:
        problems = '<ul class="problems">%s</ul>' % ''.join(
            '<li class="problem">%s <span class="todo">To fix: %s</span></li>' % (escape(sentence(what)), escape(sentence(todo)))
            for _kind, what, todo in lines)
    else:
        problems = '<span class="none">none</span>'
    return ('<tr data-verdict="%s" data-name="%s"><td class="name">%s</td><td>%s</td><td>%s</td><td>%s</td>'
            '<td>%s</td><td>%s</td><td>%s</td></tr>') % (
        escape(record['verdict']), escape(record['appliance']), escape(record['appliance']), _badge(record['verdict']),
        escape(cells['version']), escape(cells['connected']), escape(cells['license_sync']),
        escape(cells['last_sync']), problems)


def _table(table_id, head, rows):
    cells = ''.join('<tr>%s</tr>' % ''.join('<td>%s</td>' % escape(cell) for cell in row) for row in rows)
    return '<table id="%s"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>' % (
        table_id, ''.join('<th>%s</th>' % escape(name) for name in head), cells)


def _seats_section(seats):
    """The "Seats" section: the headline, the counts, per appliance, the likely duplicates and the rules."""
    section = ['<h2 id="seats">Seats</h2>', '<p class="meta" id="seats-headline">%s</p>' % escape(seats_words.headline(seats))]
    if not seats['known']:
        return section
    section.append('<ul class="counts" id="seat-counts">%s</ul>' % ''.join(
        '<li><b>{:,}</b>{}</li>'.format(number, escape(what)) for what, number in seats_words.counts(seats)))
    section.append(_table('seat-appliances', ('GHES host', 'appliance', 'users', 'GHES only', 'last sync', 'note'),
                          seats_words.appliance_rows(seats)))
    rows, more = seats_words.pair_rows(seats)
    section += ['<h3>Likely counted twice</h3>',
                '<p class="meta">%s %s</p>' % (escape(seats_words.LIKELY), escape(seats_words.masking_sentence(seats)))]
    if rows:
        section.append(_table('seat-duplicates', ('confidence', 'rule', 'GHES', 'GHEC login', 'evidence', 'to fix'), rows))
    if more:
        section.append('<p class="meta">And %d more in drift.json.</p>' % more)
    section.append(_table('seat-rules', ('rule', 'confidence', 'what it sees', 'source'), seats_words.rule_rows(seats)))
    return section
