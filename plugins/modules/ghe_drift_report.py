#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_drift_report
short_description: Write the GHES Connect drift report (JSON, Markdown, HTML, JUnit XML, Prometheus) on the controller
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Makes one report model from the records that M(ghes.connect.ghe_drift_scan) or M(ghes.connect.ghe_connect_info)
    (with O(ghes.connect.ghe_connect_info#module:desired)) return - the run's metadata (when it was written and when
    its data was read, the controller, the collection version, the desired state), the number of appliances per
    verdict and per kind of difference, and one record per appliance, problems first (error, blocked, drift, unknown,
    then in sync; by name within each) - and writes it in the chosen O(formats).
  - The verdict of each appliance is the record's own (C(in_sync), C(drift), C(blocked), C(unknown), C(error)); this
    module counts and renders it, it never decides one.
  - C(drift.json) is the model (with the keys C(appliances), C(drifted) and C(desired) of earlier versions);
    C(drift.md) and C(drift.html) are for people (values as words - on, off, unknown, never - and each problem on
    its own line with what to do; the HTML page is one self-contained file with filters by verdict and a search by
    name); C(drift.junit.xml) has one test case per appliance (drift and blocked are failures, unknown and error are
    errors); C(drift.prom) is Prometheus text for node_exporter's textfile collector (a value that could not be read
    is left out, not written as 0).
  - When the controller's environment has C(GITHUB_STEP_SUMMARY) (a GitHub Actions job), the Markdown report is
    appended to that file.
  - Files are written atomically with mode 0600 into O(dest) (created 0700; a directory of another user, one others
    can write to, or a link is refused before anything is written).
  - Prints one line at the end - the number of appliances per verdict and the paths written - and, with
    O(fail_on_drift) or O(fail_on_unknown), fails once with a message naming every problem appliance.
  - For AWX job slicing each slice writes its part (O(part)) and one task merges the parts (O(merge_from)).
  - Runs on the controller; nothing is sent to appliances.
attributes:
  check_mode:
    description: Reports what it would write, writes nothing.
    support: full
  diff_mode:
    description: No diff.
    support: none
  idempotent:
    description: Each run writes a new report, dated; the appliances are never changed.
    support: none
  action:
    description: Runs as an action plugin on the controller.
    support: full
  async:
    description: Not supported.
    support: none
  platform:
    description: The controller's file system.
    support: full
    platforms: posix
options:
  records:
    description:
      - The per-appliance records (see M(ghes.connect.ghe_drift_scan) for their fields), each with its C(verdict).
      - Required unless O(merge_from) is given.
    type: list
    elements: dict
  merge_from:
    description:
      - A directory of part reports to merge into one report instead of O(records) - the C(drift-part-NAME.json)
        files that sliced runs wrote with O(part), and any C(SUBDIR/drift.json).
      - The parts must have been checked against the same desired state and enterprise, and no appliance may be in two
        parts; otherwise nothing is written and the message says which files.
      - The merged report's data is as old as its oldest part.
      - The seats are known only when every part that read them read the same (but for the moment of the read, the
        earliest of which is kept); parts that read different seats - one known and one unknown included - make the
        merged seats unknown, the reason naming each part and what it read.
    type: path
  merge_max_age:
    description: A part whose data was read longer ago than this (V(1d), V(6h), seconds) is refused, with its file named.
    type: str
    default: 1d
  dest:
    description: Directory for the files (must not be O(merge_from)).
    type: path
    required: true
  part:
    description:
      - Write this run's records as one part of a sliced run - only C(drift-part-PART.json) in O(dest), which
        O(merge_from) reads later - and never fail (the merge decides). A file-name-safe word, for example the AWX job id.
    type: str
  formats:
    description: Which files to write.
    type: list
    elements: str
    choices:
      json: C(drift.json)
      md: C(drift.md)
      html: C(drift.html)
      junit: C(drift.junit.xml)
      prom: C(drift.prom)
    default: [json, md, html, junit, prom]
  desired:
    description:
      - The desired state the records were compared with, repeated in the report.
      - The report says only what it says - without C(connected) it says nothing about GitHub Connect.
    type: dict
    default: {}
  ghec_enterprise:
    description: The GHEC enterprise, named in the report. When the task leaves it out, the host variable C(ghec_enterprise).
    type: str
  read_at:
    description:
      - When the records' data was read (ISO 8601 with a zone, like V(2026-12-01T09:10:56Z)); the C(read_at) that
        M(ghes.connect.ghe_drift_scan) returns. Without it the report says the read time is unknown.
    type: str
  seats:
    description:
      - The seat model of M(ghes.connect.ghe_license_seats_info) (its RV(ghes.connect.ghe_license_seats_info#module:seats)).
        Every format gets a "Seats" section - purchased and consumed, people per deployment, per appliance, the likely
        duplicates with evidence and fix, the rules with their sources; C(drift.prom) gets the gauges
        C(ghes_seats_purchased), C(ghes_seats_consumed), C(ghes_seats_likely_duplicated), C(ghes_seats_people) and
        C(ghes_seats_known). E-mail addresses are written as the model has them (masked unless it was read with
        C(show_emails)).
      - A model that is not whole - C(known) that is not V(true) or V(false), a count missing, null, negative or not a
        number, numbers at odds with each other - is written as seats unknown with the reason naming the field (the
        section then says the seats are unknown and why, and C(drift.prom) has only C(ghes_seats_known 0)); no number of
        it is printed.
      - Omitted - no "Seats" section.
    type: dict
  fail_on_drift:
    description: Fail (after writing the report) when any appliance's verdict is C(drift) or C(blocked).
    type: bool
    default: false
  fail_on_unknown:
    description:
      - Fail (after writing the report) when any appliance's verdict is C(unknown) or C(error) - a compliance check
        that could not see an appliance does not pass.
    type: bool
    default: true
  defer_failure:
    description:
      - Do not fail this task; return the failure message in RV(failure) for a later task to raise. The collection's
        playbooks raise it once in a last play on C(localhost), so it is not put on the first appliance of the play.
    type: bool
    default: false
notes:
  - node_exporter reads C(drift.prom) only when it runs as the same user (the file is 0600); point its
    C(--collector.textfile.directory) at O(dest).
seealso:
  - module: ghes.connect.ghe_drift_scan
'''

EXAMPLES = r'''
- name: Write the report of a scan, fail on any problem
  ghes.connect.ghe_drift_report:
    records: "{{ scan.appliances }}"
    read_at: "{{ scan.read_at }}"
    dest: /var/tmp/ghes-drift
    desired: {connected: true, license_sync: true, max_sync_age: 8d}
    fail_on_drift: true
  run_once: true

- name: Only the JSON and the Prometheus file, for monitoring
  ghes.connect.ghe_drift_report:
    records: "{{ scan.appliances }}"
    dest: /var/lib/ghes-drift
    formats: [json, prom]
    fail_on_unknown: false
  run_once: true

- name: A slice of a sliced AWX job writes its part
  ghes.connect.ghe_drift_report:
    records: "{{ scan.appliances }}"
    dest: /srv/drift/parts
    part: "{{ awx_job_id }}"
  run_once: true

- name: Then one job merges the parts
  ghes.connect.ghe_drift_report:
    merge_from: /srv/drift/parts
    dest: /srv/drift/report
    fail_on_drift: true
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
paths:
  description: The files written (or that would be, in check mode), by format.
  returned: success
  type: dict
  sample: {json: /var/tmp/ghes-drift/drift.json, html: /var/tmp/ghes-drift/drift.html}
json_path:
  description: Path of C(drift.json) (of the part file with O(part)), if written.
  returned: success
  type: str
markdown_path:
  description: Path of C(drift.md), if written.
  returned: success
  type: str
counts:
  description: Appliances per verdict (every verdict, zeros included).
  returned: success
  type: dict
  sample: {error: 0, blocked: 1, drift: 3, unknown: 0, in_sync: 96}
appliances:
  description: Number of appliances in the report.
  returned: success
  type: int
drifted:
  description: Appliances whose verdict is a problem (error, blocked, drift or unknown), in report order.
  returned: success
  type: list
  elements: str
problems:
  description: The problem appliances by verdict, worst first.
  returned: success
  type: dict
  sample: {drift: [ghes-003, ghes-008]}
failure:
  description: The failure message naming every appliance that fails the check (per O(fail_on_drift) and
    O(fail_on_unknown)), or null.
  returned: success
  type: str
step_summary:
  description: The C(GITHUB_STEP_SUMMARY) file the Markdown report was appended to, or null.
  returned: success
  type: str
msg:
  description: The one line printed at the end - counts per verdict and the paths written - or the failure.
  returned: always
  type: str
'''
