# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seat model: who holds a seat, from which deployment, and who is likely counted twice.

Made from every page of consumed licenses (``consumed.read_consumed``) and GHEC's
license-sync status; when the pages could not all be read the model is ``known: false`` with
the reason and no number at all (a partial count would be smaller than the truth). The
drift report renders it (``_reports``); ``ghe_license_seats_info`` returns it.

E-mail addresses pass through ``masking.shower``: masked unless ``show_emails``.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._seats.appliances import per_appliance
from ansible_collections.ghes.connect.plugins.module_utils._seats.duplicates import likely_duplicates, rule_table
from ansible_collections.ghes.connect.plugins.module_utils._seats.masking import shower

KINDS = ('both', 'ghec_only', 'ghes_only', 'neither')
NOT_REPORTED = 'not reported'


def seat_model(read, sync_status, inventory=None, max_age=None, show_emails=False, enterprise=None):
    """The model of a complete read (see the module's RETURN for every field)."""
    people = read['people']
    kinds = dict((kind, 0) for kind in KINDS)
    unclassified = 0
    visual_studio, license_types, no_verified = {}, {}, 0
    for person in people:
        kind = person.kind
        if kind is None:
            unclassified += 1
        else:
            kinds[kind] += 1
        if person.visual_studio:
            status = person.visual_studio_status if person.visual_studio_status else NOT_REPORTED
            visual_studio[status] = visual_studio.get(status, 0) + 1
        license_types[person.license_type] = license_types.get(person.license_type, 0) + 1
        if person.ghec and not person.verified_emails:
            no_verified += 1
    duplicates = likely_duplicates(people, shower(show_emails))
    where = per_appliance(people, inventory, sync_status, max_age)
    purchased, consumed = read['purchased'], read['consumed']
    return {
        'known': True, 'reason': None, 'enterprise': enterprise, 'read_at': sync_status.get('observed_at'),
        'clock_warning': sync_status.get('clock_warning'),
        'pages': read['pages'], 'emails_shown': bool(show_emails),
        'purchased': purchased, 'consumed': consumed,
        'over_allocated': max(consumed - purchased, 0), 'available': max(purchased - consumed, 0),
        'people': dict(kinds, total=len(people), unclassified=unclassified),
        'license_types': license_types,
        'visual_studio': {'subscribers': sum(visual_studio.values()), 'by_status': visual_studio},
        'no_verified_domain_email': no_verified,
        'likely_duplicates': duplicates,
        'rules': rule_table(),
        'appliances': where['appliances'], 'unidentified': where['unidentified'],
        'not_heard_from': where['not_heard_from'],
    }


def unknown_model(reason, enterprise=None, show_emails=False):
    """The model when the seats could not be read whole: no number, the reason."""
    return {'known': False, 'reason': reason, 'enterprise': enterprise, 'emails_shown': bool(show_emails),
            'rules': rule_table()}


def summary(model):
    """The one line a play shows: consumed of purchased, who is where, how many likely twice, what is stale."""
    if not model['known']:
        return 'Seats: unknown - %s' % model['reason']
    people = model['people']
    line = 'Seats: %s consumed of %s purchased' % (_n(model['consumed']), _n(model['purchased']))
    if model['over_allocated']:
        line += ' (over-allocated by %s)' % _n(model['over_allocated'])
    line += '; %s on both GHEC and GHES, %s GHEC only, %s GHES only' % (
        _n(people['both']), _n(people['ghec_only']), _n(people['ghes_only']))
    if people['unclassified']:
        line += ', %s not classified' % _n(people['unclassified'])
    line += '; %s likely counted twice' % _n(model['likely_duplicates']['count'])
    stale = model['not_heard_from']
    if stale:
        line += '; %d appliance%s not heard from recently (%s)' % (
            len(stale), '' if len(stale) == 1 else 's', ', '.join(_appliance_name(s) for s in stale[:5]) +
            (', ...' if len(stale) > 5 else ''))
    return line + '.'


def _appliance_name(entry):
    return ', '.join(entry['inventory']) if entry['inventory'] else (entry['host_name'] or 'unnamed host')


def _n(number):
    return '{:,}'.format(number)
