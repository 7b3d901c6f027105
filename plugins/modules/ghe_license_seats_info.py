#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_license_seats_info
short_description: Who holds a GitHub Enterprise seat, on which deployment, and who is likely counted twice
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Reads every page of the GHEC enterprise's consumed licenses (C(GET /enterprises/ENT/consumed-licenses), 100 people a
    page) and its license-sync status, and returns the seat model - seats purchased and consumed (over-allocation called
    out), people on GHEC only, on GHES only and on both, Visual Studio subscribers as GitHub reports them, seats per
    appliance matched to the inventory, and the appliances whose numbers GHEC has not heard from recently.
  - Lists B(likely) duplicates - a GHES-only and a GHEC-only seat that are probably one person GitHub could not join -
    each with its evidence, a confidence and the fix GitHub documents (make the addresses match, then sync). They are
    never asserted as fact; RV(seats.rules) documents each rule with its public source.
  - When any page cannot be read (an error, a C(Link) that skips a page, fewer people than the consumed total), the
    model is unknown with the reason - never a smaller count.
  - E-mail addresses are personal data - masked (C(d***@corp.example)) unless O(show_emails).
  - Runs on the controller, once per enterprise; never changes anything.
extends_documentation_fragment:
  - ghes.connect.cloud
  - ghes.connect.attributes
  - ghes.connect.attributes.INFO
options:
  timeout:
    description:
      - Seconds to wait for each HTTP answer; 1 or more.
      - When the task does not set it, from the host variable C(ghes_timeout).
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried on connection errors and on 408, 429, 502, 503, 504 (honouring C(Retry-After)).
      - When the task does not set it, from the host variable C(ghes_retries).
    type: int
    default: 5
  appliances:
    description:
      - The inventory's appliances, to name the hosts GHEC counts seats from - each C(appliance) (or C(name)) and
        C(hostname), the host name GHEC knows the appliance by (null when unknown). The records of
        M(ghes.connect.ghe_drift_scan) and M(ghes.connect.ghe_connect_info) (RV(ghes.connect.ghe_connect_info#module:record))
        have both, resolved by the collection's identity rules.
      - Empty - hosts are named by their GHEC host name only.
    type: list
    elements: dict
    default: []
  max_sync_age:
    description:
      - An appliance whose last license sync is older than this (or failed, or never happened) is listed in
        RV(seats.not_heard_from) - its users' seats are as of that date. Like V(8d), V(12h); at least V(1h).
    type: str
    default: 8d
  show_emails:
    description:
      - Show e-mail addresses as they are. By default they are masked in the result.
      - With V(true), the result holds personal data - set C(no_log) on the task, so that C(-v) does not print it.
    type: bool
    default: false
notes:
  - The token needs C(read:enterprise) and must belong to an enterprise owner (a classic token; GitHub refuses app tokens).
  - O(ghec_web_url), O(ghec_session), O(ghec_cache_ttl) and O(state_dir) are not used - the seat model is read once per
    run.
  - A duplicate rule pairs only people that nobody else fits; where several fit, C(ambiguous) in
    RV(seats.likely_duplicates) counts them instead of guessing.
seealso:
  - module: ghes.connect.ghe_drift_scan
  - name: Troubleshooting license usage for GitHub Enterprise
    description: How GitHub joins GHES and GHEC users, and what to check when seats are counted twice.
    link: https://docs.github.com/en/billing/managing-your-license-for-github-enterprise/troubleshooting-license-usage-for-github-enterprise
  - name: List enterprise consumed licenses
    description: The REST endpoint the model is read from.
    link: https://docs.github.com/en/enterprise-cloud@latest/rest/enterprise-admin/license#list-enterprise-consumed-licenses
'''

EXAMPLES = r'''
- name: Read the seats of the enterprise once
  ghes.connect.ghe_license_seats_info:
    ghec_token: "{{ ghec_token }}"
    ghec_enterprise: acme
  run_once: true
  register: seats

- name: Fail when more seats are consumed than purchased
  ansible.builtin.assert:
    that: seats.seats.known and seats.seats.over_allocated == 0
    fail_msg: "{{ seats.msg }}"
  run_once: true

- name: Likely duplicates with the addresses shown, for the license administrator only
  ghes.connect.ghe_license_seats_info:
    show_emails: true
    appliances: "{{ drift_scan.appliances }}"
  run_once: true
  no_log: true
  register: seats_for_admin
'''

RETURN = r'''
msg:
  description: One line - consumed of purchased, people per deployment, likely duplicates, appliances not heard from.
  returned: always
  type: str
  sample: "Seats: 1,240 consumed of 1,200 purchased (over-allocated by 40); 900 on both GHEC and GHES, 180 GHEC only,
    158 GHES only; 12 likely counted twice."
seats:
  description: The seat model. With C(known) false, only C(reason), C(enterprise), C(emails_shown) and C(rules).
  returned: success
  type: dict
  contains:
    known:
      description: Whether every page of consumed licenses was read; nothing else is returned when it was not.
      type: bool
    reason:
      description: Why the seats are unknown (the page and what went wrong), or null.
      type: str
    read_at:
      description: GHEC's clock when the license-sync status was read (sync ages are measured against it).
      type: str
    clock_warning:
      description: Set when GHEC sent no readable date, so the controller's clock was used for sync ages (also a warning).
      type: str
    pages:
      description: Pages of consumed licenses read.
      type: int
    purchased:
      description: Seats purchased (C(total_seats_purchased)).
      type: int
    consumed:
      description: Seats consumed (C(total_seats_consumed)).
      type: int
    over_allocated:
      description: Seats consumed beyond those purchased (0 when within).
      type: int
    available:
      description: Seats purchased and not consumed.
      type: int
    people:
      description:
        - People per deployment - C(both), C(ghec_only), C(ghes_only), C(neither) (a Visual Studio subscription alone),
          C(total), and C(unclassified) (rows where GHEC leaves C(enterprise_server_user) null).
      type: dict
    license_types:
      description: People per C(license_type), as GitHub names them.
      type: dict
    visual_studio:
      description: Visual Studio subscribers - C(subscribers), and C(by_status) (C(visual_studio_license_status) as GitHub
        reports it; V(not reported) when null).
      type: dict
    no_verified_domain_email:
      description: GHEC users without an e-mail on a verified domain - GitHub names them as the usual double-counted users.
      type: int
    likely_duplicates:
      description:
        - C(count), C(by_rule) (pairs per rule), C(ambiguous) (GHES-only people several others fit, per rule - never paired),
          and C(pairs) - each C(label) (V(likely)), C(rule), C(confidence) (V(high), V(medium), V(low)), C(evidence)
          (every rule that holds, in words), C(fix), C(ghes) (C(emails), C(user_ids)) and C(ghec) (C(login),
          C(verified_emails), C(saml_name_id)).
      type: dict
    rules:
      description: Each duplicate rule - C(id), C(confidence), C(sees), C(basis), C(fix), C(sources) (public URLs).
      type: list
      elements: dict
    appliances:
      description:
        - Per GHES host GHEC counts seats from, or the inventory names - C(host_name), C(inventory) (appliance names; empty
          when not in the inventory), C(users), C(accounts), C(ghes_only), C(last_sync), C(sync_state) (V(ok), V(stale),
          V(failed), V(never), V(unknown)), C(seats_as_of) and C(note).
      type: list
      elements: dict
    unidentified:
      description: Inventory appliances whose GHEC host name is unknown (C(appliance), C(reason)).
      type: list
      elements: dict
    not_heard_from:
      description: Appliances whose last sync is older than O(max_sync_age), failed or never happened - C(host_name),
        C(inventory), C(since) (their seats are as of that date; null - never), C(state), C(note).
      type: list
      elements: dict
    emails_shown:
      description: Whether e-mail addresses are shown as they are (O(show_emails)).
      type: bool
'''
