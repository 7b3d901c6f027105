# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drift.junit.xml: the fleet as a test report, for Jenkins, GitLab and Azure DevOps.

One test case per appliance: in sync passes, drift and blocked are failures (the appliance is
not as desired), unknown and error are errors (the check itself could not see).
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from ansible_collections.ghes.connect.plugins.module_utils._reports import seats as seats_words
from ansible_collections.ghes.connect.plugins.module_utils._reports.text import fix_line, label, problem_lines, words

_OUTCOME = {'drift': 'failure', 'blocked': 'failure', 'unknown': 'error', 'error': 'error'}
# Characters XML 1.0 cannot carry at all (a GHEC error string may hold any of them).
_NOT_XML = re.compile('[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')


def _clean(value):
    return _NOT_XML.sub('\ufffd', str(value))


def _attr(value):
    return quoteattr(_clean(value), {'\n': '&#10;', '\r': '&#13;', '\t': '&#9;'})


def render(model):
    verdicts = model['counts']['verdicts']
    failures = verdicts['drift'] + verdicts['blocked']
    errors = verdicts['unknown'] + verdicts['error']
    suite = 'ghes.connect drift: %s' % words(model.get('enterprise'))
    stamp = (model.get('generated_at') or '').rstrip('Z')
    seats = _seat_cases(model['seats']) if model.get('seats') is not None else []
    seat_failures = sum(1 for _name, outcome, _message, _body in seats if outcome == 'failure')
    seat_errors = sum(1 for _name, outcome, _message, _body in seats if outcome == 'error')
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<testsuites name=%s tests="%d" failures="%d" errors="%d">' % (
                 _attr(suite), model['total'] + len(seats), failures + seat_failures, errors + seat_errors),
             '  <testsuite name=%s tests="%d" failures="%d" errors="%d" skipped="0" timestamp=%s hostname=%s>' % (
                 _attr(suite), model['total'], failures, errors, _attr(stamp), _attr(words(model.get('controller')))),
             '    <properties>']
    properties = [('collection_version', model.get('collection_version')), ('data_read_at', model.get('data_read_at'))]
    properties += [('desired.%s' % key, value) for key, value in sorted((model.get('desired') or {}).items())]
    lines += ['      <property name=%s value=%s/>' % (_attr(name), _attr(words(value, name))) for name, value in properties]
    lines.append('    </properties>')
    for record in model['appliances']:
        lines += _case(record)
    lines.append('  </testsuite>')
    if seats:
        lines.append('  <testsuite name=%s tests="%d" failures="%d" errors="%d" skipped="0" timestamp=%s>' % (
            _attr('ghes.connect seats: %s' % words(model.get('enterprise'))), len(seats), seat_failures, seat_errors,
            _attr(stamp)))
        for name, outcome, message, body in seats:
            head = '    <testcase classname="ghes.connect.seats" name=%s time="0"' % _attr(name)
            if outcome is None:
                lines.append(head + '/>')
            else:
                lines += [head + '>', '      <%s type=%s message=%s>%s</%s>' % (
                    outcome, _attr(outcome), _attr(message), escape(_clean(body)), outcome), '    </testcase>']
        lines.append('  </testsuite>')
    lines.append('</testsuites>')
    return '\n'.join(lines) + '\n'


def _seat_cases(seats):
    """``[(name, outcome or None, message, body)]``: seats within the purchase, no likely duplicate, every appliance
    heard from; one error when the seats could not be read."""
    if not seats['known']:
        return [('seats read', 'error', seats_words.headline(seats), seats['reason'])]
    duplicates = seats['likely_duplicates']
    rows, more = seats_words.pair_rows(seats)
    stale = seats['not_heard_from']
    return [
        ('seats within the purchase', 'failure' if seats['over_allocated'] else None,
         '%d seats consumed beyond the %d purchased' % (seats['over_allocated'], seats['purchased']), ''),
        ('no seat likely counted twice', 'failure' if duplicates['count'] else None,
         '%d likely counted twice' % duplicates['count'],
         '\n'.join('%s (%s, %s): %s. To fix: %s' % (ghec, confidence, rule, evidence, fix)
                   for confidence, rule, _ghes, ghec, evidence, fix in rows) + ('\nAnd %d more in drift.json.' % more if more else '')),
        ('every appliance heard from', 'failure' if stale else None,
         '%d appliances not heard from recently' % len(stale), '\n'.join(entry['note'] or '' for entry in stale)),
    ]


def _case(record):
    head = '    <testcase classname="ghes.connect.drift" name=%s time="0"' % _attr(record['appliance'])
    outcome = _OUTCOME.get(record['verdict'])
    if outcome is None:
        return [head + '/>']
    problems = problem_lines(record)
    message = '; '.join(what for _kind, what, _todo in problems) or label(record['verdict'])
    body = '\n'.join(fix_line(what, todo) for _kind, what, todo in problems)
    element = '      <%s type=%s message=%s>%s</%s>' % (outcome, _attr(record['verdict']), _attr(message),
                                                        escape(_clean(body)), outcome)
    return [head + '>', element, '    </testcase>']
