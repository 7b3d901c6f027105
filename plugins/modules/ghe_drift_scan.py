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
  - ghes.connect.desired
  - ghes.connect.attributes
  - ghes.connect.attributes.INFO
options:
  url:
    description: Ignored in the task - each appliance's URL comes from its host variable (C(ghes_url), or the one
      O(host_vars) names), then the environment variable E(GHES_URL).
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
    description:
      - How many appliances are read at the same time (in all O(processes) together). Set, it is pinned.
      - Unset, the scan finds it as it goes, so that waiting on the network rather than a fixed number of threads
        bounds it - each process starts with 8 threads and doubles them while that raises the appliances read per
        second by at least 25 %, up to 128 threads in the whole run (split over O(processes)). Near the controller
        that settles at a few threads (the CPU is the limit), 50 ms away at dozens.
      - Whatever the number, an appliance is read by one thread at a time over one connection; inventory hosts with
        the same URL are read one after the other.
    type: int
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
seealso:
  - module: ghes.connect.ghe_connect_info
'''

EXAMPLES = r'''
- name: Drift of the whole fleet in one task
  ghes.connect.ghe_drift_scan:
    ghec_token: "{{ ghec_token }}"
    ghec_enterprise: acme
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
    verdict:
      description:
        - One word for the appliance, worst first - V(error) (it could not be read; see RV(appliances[].error)),
          V(blocked) (it differs and something this collection cannot change stands in the way; see
          RV(appliances[].blocked_by)), V(drift) (known values differ from O(desired)), V(unknown) (nothing differs
          that is known, but something could not be read; see RV(appliances[].unknown)), V(in_sync).
      type: str
      choices: [error, blocked, drift, unknown, in_sync]
    hostname:
      description: The host name GHEC was asked about (the appliance's configured C(github_hostname), or the
        C(hostname) option); null when it could not be established.
      type: str
    connected:
      description: Whether GHEC lists it as connected; null when unknown (see RV(appliances[].unknown)).
      type: bool
    license_sync:
      description: Whether license sync is on (null when nothing says).
      type: bool
    last_sync:
      description: The last sync GHEC recorded (C(date), C(status), C(error)).
      type: dict
    last_sync_age_days:
      description: Age of the last sync in days, on GHEC's clock (a date after GHEC's clock counts as 0).
      type: float
    differences:
      description: Known observed values that differ from O(desired) (C(field), C(before), C(after)). A value that
        could not be read is never a difference; it is in RV(appliances[].unknown).
      type: list
      elements: dict
    unknown:
      description: What could not be read (C(field), C(reason)); the reason says why and what to give to read it
        (the C(hostname) option, console credentials, fresher server statistics).
      type: list
      elements: dict
      sample: [{"field": "connect.connected", "reason": "GHEC lists no installation named \"10.0.0.5\"; it lists
        ghes-1.example.com: set the hostname option to the name GHEC knows the appliance by"}]
    blocked_by:
      description: Why the differences cannot be fixed by this collection - a license without GitHub Connect
        (C(croquetSupport)), an unsupported release, maintenance mode, a configuration run. The license is read
        (one request, GHES 3.12+) only for appliances that are not in sync; maintenance is listed when the scan
        read it anyway (for the console); a configuration run is checked by the preflight of the task that writes.
      type: list
      elements: str
    installation:
      description: The GHEC installation the state was read from (C(id), C(host_name), C(is_connected),
        C(updated_at)) and C(others), the other installations GHEC lists under the same name (a retired one).
        Between several, the connected one is used; among several connected, or none, the one updated last.
      type: dict
    sources:
      description: Where each value came from (C(ghec_graphql), C(ghec_license_sync_status), C(ghec_server_statistics),
        C(console), C(manage_api), C(setup_api), C(ghes_rest)).
      type: dict
    error:
      description: Why it could not be read, or null. Any failure reading one appliance (an unreachable host, a
        C(ca_path) that is not a PEM file) is that appliance's error; the other appliances are still read.
      type: str
drifted:
  description: Inventory names of the appliances whose verdict is not V(in_sync).
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
