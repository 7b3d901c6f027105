# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words of the "Seats" section, for every human-readable format (Markdown, HTML, JUnit).

The section renders the seat model of ``ghe_license_seats_info`` (``_seats/model``) as ``seats_read`` reads it:
its addresses are already masked or shown, its duplicates already labelled "likely". A
model that could not be read says so, with the reason, and shows no number.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._reports.text import when
from ansible_collections.ghes.connect.plugins.module_utils._seats.model import summary

# People read the first pairs; drift.json holds every one.
PAIRS_SHOWN = 100


def headline(seats):
    return summary(seats)


def counts(seats):
    """``[(what, number)]`` of a known model, in the order an administrator asks."""
    people = seats['people']
    return [
        ('seats purchased', seats['purchased']), ('seats consumed', seats['consumed']),
        ('over-allocated', seats['over_allocated']), ('on GHEC and GHES', people['both']),
        ('GHEC only', people['ghec_only']), ('GHES only', people['ghes_only']),
        ('Visual Studio subscribers', seats['visual_studio']['subscribers']),
        ('GHEC users without a verified-domain e-mail', seats['no_verified_domain_email']),
        ('likely counted twice', seats['likely_duplicates']['count']),
    ]


def appliance_rows(seats):
    """``[(host name, inventory names, users, GHES only, last sync, note)]``."""
    rows = []
    for entry in seats['appliances']:
        rows.append((entry['host_name'] or 'no host name', ', '.join(entry['inventory']) or 'not in the inventory',
                     entry['users'], entry['ghes_only'], _last_sync(entry), entry['note'] or ''))
    return rows


def _last_sync(entry):
    """GHEC's last sync of the appliance: its date (and status), "never" only when GHEC has no sync of it on record."""
    sync = entry['last_sync']
    if sync is None:
        return 'never' if entry['sync_state'] == 'never' else 'unknown'
    if not isinstance(sync.get('date'), str) or not sync['date']:
        return 'unknown'   # a sync record that does not say when is not one that never happened
    status = sync.get('status')
    return '%s (%s)' % (when(sync['date']), status if isinstance(status, str) and status else 'no status')


def pair_rows(seats):
    """``([(confidence, rule, GHES side, GHEC side, evidence, fix)], how many more)`` of the likely duplicates."""
    pairs = seats['likely_duplicates']['pairs']
    rows = [(pair['confidence'], pair['rule'], ', '.join(pair['ghes']['emails'] + pair['ghes']['user_ids']),
             pair['ghec']['login'] or 'no login', '; '.join(pair['evidence']), pair['fix'])
            for pair in pairs[:PAIRS_SHOWN]]
    return rows, max(len(pairs) - PAIRS_SHOWN, 0)


def rule_rows(seats):
    """``[(rule, confidence, what it sees, sources)]``: every rule with its public source."""
    return [(rule['id'], rule['confidence'], rule['sees'], ' '.join(rule['sources'])) for rule in seats['rules']]


def masking_sentence(seats):
    return ('E-mail addresses are shown as they are (show_emails).' if seats.get('emails_shown') else
            'E-mail addresses are masked; drift_seats_show_emails shows them.')


LIKELY = ('Each pair is likely, not certain: GitHub could not join the two accounts, and the evidence says why they '
          'are probably one person. Check before changing an address.')
