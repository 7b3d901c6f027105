#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_drift_scan
short_description: Drift of every GHES appliance of the play, read by one controller-side task
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Reads the GitHub Connect and license sync state of every appliance of the play (or O(hosts)) at once, with
    bounded concurrency, and compares it with O(desired) exactly as M(ghes.connect.ghe_connect_info) does.
    Returns one record per appliance - the records the C(ghes.connect.drift) role (entry point C(scan), used by
    C(playbooks/drift.yml)) writes its report from with M(ghes.connect.ghe_drift_report).
  - Runs once for the whole play (it bypasses the host loop). Each appliance's connection options come from that
    host's own variables (O(host_vars) says which), so group and host variables, vaulted ones included, apply as
    they would to a per-host task. GHEC options come from the task (or C(module_defaults)); appliance options given
    to the task itself are ignored.
  - For large fleets this avoids Ansible's per-host, per-task cost, so the HTTP requests are the only cost.
  - Read-only in every mode.
extends_documentation_fragment:
  - ghes.connect.appliance
  - ghes.connect.cloud
  - ghes.connect.attributes
  - ghes.connect.attributes.INFO
options:
  url:
    description: Ignored (each appliance's URL comes from its host variables, see O(host_vars)).
    type: str
    required: false
  hosts:
    description: Inventory hosts to scan. Defaults to every host of the play.
    type: list
    elements: str
  host_vars:
    description:
      - Appliance option -> name of the host variable that holds it, for each option whose variable is not the default.
      - The defaults are C(ghes_url), C(ghes_manage_url), C(ghes_manage_username), C(ghes_manage_password), C(ghes_token),
        C(ghes_hostname), C(ghes_enterprise_slug), C(ghes_console_username), C(ghes_console_password),
        C(ghes_console_totp_secret), C(ghes_validate_certs), C(ghes_ca_path), C(ghes_timeout) and C(ghes_retries).
    type: dict
    default: {}
  concurrency:
    description: How many appliances are read at the same time (in all O(processes) together).
    type: int
    default: 16
  processes:
    description:
      - How many processes share the appliances, each reading its share with its part of O(concurrency). The
        TLS handshakes and the parsing of a large fleet are Python work, and the threads of one process share one
        CPU core; forked processes use the controller's others.
      - Default on Linux, one per CPU core the task may use and per 100 appliances (a fleet of fewer than 200
        appliances is read in the task's own process); elsewhere 1.
      - A process that ends early (killed, out of memory) costs only time - its appliances are read again in the
        task's own process.
    type: int
  console:
    description: When to read the console's GitHub Connect page (see M(ghes.connect.ghe_connect_info)).
    type: str
    choices: [auto, always, never]
    default: auto
  desired:
    description: The desired state the appliances are compared with.
    type: dict
    default: {}
    suboptions:
      connected:
        description: Whether appliances should be connected to O(ghec_enterprise).
        type: bool
        default: true
      target:
        description: The desired Connect target.
        type: str
        choices: [github_com, ghe_com]
      license_sync:
        description: Whether license sync should be on; omit to not compare it.
        type: bool
      max_sync_age:
        description: Oldest acceptable last successful sync (V(8d), V(36h), seconds).
        type: str
seealso:
  - module: ghes.connect.ghe_connect_info
'''

EXAMPLES = r'''
- name: Drift of the whole fleet in one task
  ghes.connect.ghe_drift_scan:
    ghec_token: "{{ ghec_token }}"
    ghec_enterprise: acme
    concurrency: 32
    desired:
      connected: true
      license_sync: true
      max_sync_age: 8d
  register: scan

- name: Name the appliances that drifted
  ansible.builtin.debug:
    var: scan.drifted
'''

RETURN = r'''
appliances:
  description: One record per appliance.
  returned: success
  type: list
  elements: dict
  contains:
    appliance:
      description: Inventory host name.
      type: str
    url:
      description: Appliance URL.
      type: str
    version:
      description: GHES release.
      type: str
    connected:
      description: Whether GHEC lists it as connected.
      type: bool
    license_sync:
      description: Whether license sync is on (null when nothing says).
      type: bool
    last_sync:
      description: The last sync GHEC recorded (C(date), C(status), C(error)).
      type: dict
    last_sync_age_days:
      description: Age of the last sync in days, on GHEC's clock.
      type: float
    differences:
      description: How it differs from O(desired) (C(field), C(before), C(after)); an appliance that could not be read
        has one difference with C(field=error).
      type: list
      elements: dict
    error:
      description: Why it could not be read, or null.
      type: str
drifted:
  description: Inventory names of the appliances with differences.
  returned: success
  type: list
  elements: str
seconds:
  description: Wall time of the scan.
  returned: success
  type: float
read_at:
  description: When the scan began reading (UTC, ISO 8601); the drift report's "data read at".
  returned: success
  type: str
  sample: '2026-12-01T09:10:56Z'
'''
