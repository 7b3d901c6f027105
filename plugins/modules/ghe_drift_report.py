#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_drift_report
short_description: Write the GHES Connect drift report (JSON and Markdown) on the controller
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Writes C(drift.json) (for machines) and C(drift.md) (for people - one table of appliance, version, connected,
    license sync, last sync age and differences) from the records that M(ghes.connect.ghe_drift_scan) or
    M(ghes.connect.ghe_connect_info) (with O(ghes.connect.ghe_connect_info#module:desired)) return.
  - Files are written atomically with mode 0600 into O(dest) (created 0700). They are rewritten only when their
    content changes.
  - Runs on the controller; nothing is sent to appliances.
attributes:
  check_mode:
    description: Reports whether the files would change without writing them.
    support: full
  diff_mode:
    description: No diff.
    support: none
  idempotent:
    description: Unchanged records leave the files untouched.
    support: full
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
    description: The per-appliance records (see M(ghes.connect.ghe_drift_scan) for their fields).
    type: list
    elements: dict
    required: true
  dest:
    description: Directory for the two files.
    type: path
    required: true
  desired:
    description: The desired state the records were compared with, repeated in the report.
    type: dict
    default: {}
  ghec_enterprise:
    description: The GHEC enterprise, named in the report.
    type: str
  fail_on_drift:
    description: Fail (after writing the report) when any record has differences.
    type: bool
    default: false
seealso:
  - module: ghes.connect.ghe_drift_scan
'''

EXAMPLES = r'''
- name: Write the report of a scan
  ghes.connect.ghe_drift_report:
    records: "{{ scan.appliances }}"
    dest: /var/tmp/ghes-drift
    desired: {connected: true, license_sync: true, max_sync_age: 8d}
    fail_on_drift: true
  run_once: true
'''

RETURN = r'''
json_path:
  description: Path of C(drift.json).
  returned: always
  type: str
markdown_path:
  description: Path of C(drift.md).
  returned: always
  type: str
drifted:
  description: Appliances with differences.
  returned: always
  type: list
  elements: str
appliances:
  description: Number of appliances in the report.
  returned: always
  type: int
'''
