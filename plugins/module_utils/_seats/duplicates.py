# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Likely duplicates: a GHES-only and a GHEC-only seat that are probably one person.

GitHub joins a GHES user to a GHEC user when the GHES primary e-mail matches the GHEC user's
linked SAML or SCIM identity (the NameID among its attributes) or a verified e-mail of the
GHEC account; when nothing matches, the person holds two seats (GitHub's "Troubleshooting
license usage for GitHub Enterprise", ``SOURCES['troubleshooting']``). The consumed-licenses
answer lists such a person twice, once per side, and says nothing to join them: the rules
below look for the near misses people make. A pair is **likely**, never a fact: each comes
with the evidence, a confidence and the fix GitHub documents (make the addresses match, then
sync).

Pairs are only made between one GHES-only and one GHEC-only person that nobody else fits: a
key that fits several people on either side is counted as ambiguous, never guessed. Rules are
tried strongest first and each GHEC person is paired at most once. Every step is a dictionary
look-up, so the analysis is linear in the number of people.
"""

from __future__ import annotations

SOURCES = {
    'troubleshooting': 'https://docs.github.com/en/enterprise-cloud@latest/billing/managing-your-license-for-github-enterprise/'
                       'troubleshooting-license-usage-for-github-enterprise',
    'consumed_licenses': 'https://docs.github.com/en/enterprise-cloud@latest/rest/enterprise-admin/license'
                         '#list-enterprise-consumed-licenses',
    'members_without_verified_email': 'https://docs.github.com/en/enterprise-cloud@latest/admin/managing-accounts-and-'
                                      'repositories/managing-users-in-your-enterprise/viewing-people-in-your-enterprise'
                                      '#viewing-members-without-an-email-address-from-a-verified-domain',
    'sync': 'https://docs.github.com/en/enterprise-cloud@latest/billing/managing-your-license-for-github-enterprise/'
            'syncing-license-usage-between-github-enterprise-server-and-github-enterprise-cloud',
}
SYNC_STEP = ('then sync license usage (GHES: Enterprise settings -> Settings -> License -> "Sync now", or wait for the '
             'weekly sync) and run this check again')

# id -> (confidence, what the rule sees, the documented basis, the fix, its sources)
RULES = {
    'saml_name_id': (
        'high', 'the GHES primary e-mail equals the GHEC user\'s SAML NameID, ignoring letter case',
        'GitHub matches the GHES primary e-mail to the linked SAML identity\'s NameID (and other attributes)',
        'make the GHES primary e-mail and the SAML NameID identical (change the GHES e-mail, or the NameID the identity '
        'provider sends), ' + SYNC_STEP, ('troubleshooting', 'consumed_licenses')),
    'verified_email_case': (
        'high', 'the GHES primary e-mail equals an e-mail verified on the GHEC account, ignoring letter case',
        'GitHub matches the GHES primary e-mail to a verified e-mail of the GHEC account',
        'make the GHES primary e-mail exactly the address verified on GitHub.com, ' + SYNC_STEP,
        ('troubleshooting', 'consumed_licenses')),
    'local_part_other_domain': (
        'medium', 'the GHES primary e-mail and a GHEC verified e-mail (or NameID) have the same local part on different '
                  'domains, and no one else has that local part',
        'GitHub joins only identical addresses, so an address on an old or another domain is never joined',
        'change the GHES primary e-mail to the address verified on GitHub.com, or have the person add and verify the GHES '
        'address on their GitHub.com account; ' + SYNC_STEP, ('troubleshooting', 'consumed_licenses')),
    'login_is_local_part': (
        'low', 'the GHEC user has no e-mail on a verified domain and their login is the local part of the GHES primary '
               'e-mail, and no one else fits',
        'GitHub names members without a verified-domain e-mail as the usual double-counted users',
        'have the person add and verify their GHES primary e-mail on their GitHub.com account, ' + SYNC_STEP,
        ('troubleshooting', 'members_without_verified_email', 'consumed_licenses')),
}
IDENTICAL_FIX = ('the addresses already match, so the last license sync likely ran before they did: ' + SYNC_STEP)


def rule_table():
    """The rules as the report documents them: id, confidence, what it sees, its basis, the fix, its sources."""
    return [{'id': rule, 'confidence': confidence, 'sees': sees, 'basis': basis, 'fix': fix,
             'sources': [SOURCES[name] for name in sources]}
            for rule, (confidence, sees, basis, fix, sources) in RULES.items()]


def _local(address):
    local, at, domain = address.lower().rpartition('@')
    return (local, domain) if at and local else (None, None)


def _login_key(text):
    """A login or local part as GHES names users: lower case, ``.`` and ``_`` read as ``-``."""
    return text.lower().replace('.', '-').replace('_', '-')


class _Index:
    """key -> the distinct people with that key, in the order first seen, built in one pass."""

    def __init__(self):
        self.people = {}

    def add(self, key, person):
        if key:
            self.people.setdefault(key, {})[person.index] = person

    def count(self, key):
        return len(self.people.get(key) or ())

    def get(self, key):
        found = self.people.get(key)
        return list(found.values()) if found else []


def _ghec_addresses(person):
    """The GHEC person's addresses GitHub could match: verified e-mails and the NameID when it is an address."""
    return person.verified_emails + ((person.name_id,) if person.name_id and '@' in person.name_id else ())


def _evidence(rule, ghes_email, ghec, shown):
    """The words for one rule holding between a GHES address and a GHEC person, or None when it does not hold."""
    lowered = ghes_email.lower()
    if rule == 'saml_name_id':
        if ghec.name_id and ghec.name_id.lower() == lowered:
            how = 'identical to' if ghec.name_id == ghes_email else 'equal, but for letter case, to'
            return 'GHES primary e-mail %s is %s the SAML NameID %s' % (shown(ghes_email), how, shown(ghec.name_id)), \
                ghec.name_id == ghes_email
    elif rule == 'verified_email_case':
        for address in ghec.verified_emails:
            if address.lower() == lowered:
                how = 'identical to' if address == ghes_email else 'equal, but for letter case, to'
                return 'GHES primary e-mail %s is %s the verified e-mail %s' % (shown(ghes_email), how, shown(address)), \
                    address == ghes_email
    elif rule == 'local_part_other_domain':
        local, domain = _local(ghes_email)
        for address in _ghec_addresses(ghec):
            other_local, other_domain = _local(address)
            if local and other_local == local and other_domain != domain:
                return ('GHES primary e-mail %s and GHEC address %s share the local part on different domains'
                        % (shown(ghes_email), shown(address))), False
    elif rule == 'login_is_local_part':
        local, _domain = _local(ghes_email)
        if local and not ghec.verified_emails and ghec.login and _login_key(ghec.login) == _login_key(local):
            return ('GHEC login %s has no verified-domain e-mail and is the local part of GHES primary e-mail %s'
                    % (ghec.login, shown(ghes_email))), False
    return None


def likely_duplicates(people, shown):
    """``{count, by_rule, pairs, ambiguous}`` among ``people`` (``people.Person``); addresses pass through ``shown``."""
    ghes_only = [p for p in people if p.kind == 'ghes_only']
    ghec_only = [p for p in people if p.kind == 'ghec_only']
    keys = {
        'saml_name_id': lambda email: email.lower(),
        'verified_email_case': lambda email: email.lower(),
        'local_part_other_domain': lambda email: _local(email)[0],
        'login_is_local_part': lambda email: _login_key(_local(email)[0] or '') or None,
    }
    cloud = dict((rule, _Index()) for rule in RULES)
    for person in ghec_only:
        if person.name_id:
            cloud['saml_name_id'].add(person.name_id.lower(), person)
        for address in person.verified_emails:
            cloud['verified_email_case'].add(address.lower(), person)
        for address in _ghec_addresses(person):
            cloud['local_part_other_domain'].add(_local(address)[0], person)
        if not person.verified_emails and person.login:
            cloud['login_is_local_part'].add(_login_key(person.login), person)
    server = dict((rule, _Index()) for rule in RULES)
    for person in ghes_only:
        for email in person.server_emails:
            for rule, key in keys.items():
                server[rule].add(key(email), person)
    paired, taken, ambiguous = {}, set(), {}
    for rule, key in keys.items():
        for person in ghes_only:
            if person.index in paired:
                continue
            candidates, crowded = {}, False
            for email in person.server_emails:
                found = [c for c in cloud[rule].get(key(email)) if _evidence(rule, email, c, str)]
                crowded = crowded or (bool(found) and server[rule].count(key(email)) > 1)
                candidates.update((c.index, c) for c in found)
            if crowded or len(candidates) > 1:
                ambiguous.setdefault(person.index, rule)
            elif candidates:
                candidate = next(iter(candidates.values()))
                if candidate.index not in taken:
                    paired[person.index] = (rule, person, candidate)
                    taken.add(candidate.index)
    pairs = [_pair(rule, ghes, ghec, shown) for rule, ghes, ghec in sorted(paired.values(), key=lambda p: p[1].index)]
    by_rule = dict((rule, 0) for rule in RULES)
    for pair in pairs:
        by_rule[pair['rule']] += 1
    unresolved = [rule for index, rule in ambiguous.items() if index not in paired]
    return {'count': len(pairs), 'by_rule': by_rule, 'pairs': pairs,
            'ambiguous': dict((rule, unresolved.count(rule)) for rule in RULES if rule in unresolved)}


def _pair(rule, ghes, ghec, shown):
    """One likely duplicate: both sides, every rule's evidence, the strongest rule's confidence and fix."""
    evidence, identical = [], False
    for other in RULES:
        for email in ghes.server_emails:
            found = _evidence(other, email, ghec, shown)
            if found:
                evidence.append(found[0])
                identical = identical or found[1]
                break
    confidence, _sees, _basis, fix, _sources = RULES[rule]
    return {
        'label': 'likely', 'rule': rule, 'confidence': confidence, 'evidence': evidence,
        'fix': IDENTICAL_FIX if identical else fix,
        'ghes': {'emails': [shown(e) for e in ghes.server_emails], 'user_ids': list(ghes.server_ids)},
        'ghec': {'login': ghec.login, 'verified_emails': [shown(e) for e in ghec.verified_emails],
                 'saml_name_id': shown(ghec.name_id) if ghec.name_id and '@' in ghec.name_id else ghec.name_id},
    }
