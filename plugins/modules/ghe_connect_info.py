#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_connect_info
short_description: Everything a preflight or drift check needs to know about one GHES appliance
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Reads, for one GitHub Enterprise Server appliance, its version and whether C(ghes.connect) supports it, its
    license (and whether it permits GitHub Connect), whether a configuration run or maintenance mode is on,
    whether it is connected to the GitHub Enterprise Cloud enterprise (and to which account, with which target
    and features), and the state of automatic user license sync with the date, status and error of the last sync.
  - Every value comes from a documented interface where one exists (Manage GHES API, GHEC REST and GraphQL);
    the console's GitHub Connect page is read only for what no API shows (pending approval, account, target, the
    license sync switch), and only when console credentials are given. RV(appliance.sources) says where each
    value came from.
  - GHEC reads that cover the whole enterprise are made once per run and shared by all hosts (O(ghec_cache_ttl)).
  - Runs on the controller; never changes anything.
extends_documentation_fragment:
  - ghes.connect.run_record
  - ghes.connect.appliance
  - ghes.connect.cloud
  - ghes.connect.desired
  - ghes.connect.attributes
  - ghes.connect.attributes.INFO
options:
  console:
    description:
      - When to read the console's GitHub Connect page (needs console credentials; never in maintenance mode).
      - V(auto) only when the documented reads cannot answer - GHEC does not list the appliance as connected (the page
        shows a pending approval or another enterprise), or the license sync switch is not in recent server statistics.
      - V(always) for the full picture (account, target and every feature switch).
      - V(never) uses documented APIs only.
    type: str
    choices: [auto, always, never]
    default: auto
  preflight:
    description:
      - Also read what a change would need (license, configuration run, maintenance) and list RV(appliance.problems).
      - V(false) for a drift check, which needs only the Connect and license sync state (fewer requests). With
        O(desired), an appliance that is not in sync still gets its license read (one request, GHES 3.12+), so that
        RV(blocked_by) can say when the license forbids GitHub Connect.
    type: bool
    default: true
  desired:
    description:
      - The desired state; when given, RV(differences) lists how the appliance differs from it, computed exactly as
        M(ghes.connect.ghe_connect) and M(ghes.connect.ghe_license_sync) compute their drift.
notes:
  - Without O(ghec_token) and O(ghec_enterprise), only the appliance's own facts are returned.
  - RV(appliance.connect) and RV(appliance.license_sync) are always returned when the release is supported; when GHEC
    cannot be read, their fields are null and C(unknown) says why (and RV(appliance.problems) names the cause).
seealso:
  - module: ghes.connect.ghe_connect
  - module: ghes.connect.ghe_license_sync
'''

EXAMPLES = r'''
- name: Read the Connect and license-sync state of every appliance
  ghes.connect.ghe_connect_info:
    url: "{{ ghes_url }}"
    manage_password: "{{ ghes_manage_password }}"
    ghec_token: "{{ ghec_token }}"
    ghec_enterprise: acme
  register: info

- name: Drift of one appliance from the desired state, with as few requests as possible
  ghes.connect.ghe_connect_info:
    preflight: false
    desired:
      connected: true
      license_sync: true
      max_sync_age: 8d
  register: drift

- name: Fail when license sync has not succeeded for a week
  ansible.builtin.assert:
    that:
      - info.appliance.license_sync.last_sync.status == 'success'
      - info.appliance.license_sync.sync_age_seconds < 7 * 86400
'''

RETURN = r'''
line:
  description:
    - RV(summary) on one line, as the C(ghes.connect.enable) role prints it for the appliance - what the run did (in check
      mode would do, the line then starting with C(PREDICTED)) and the state it leaves.
  returned: when O(summary) is given
  type: str
  sample: "PREDICTED (check mode) connected=True license_sync=True last_sync=2026-12-01T10:00:00Z - would: license sync on"
summary:
  description:
    - The run record of this appliance - what the run did, or in check mode would do - built on O(summary), the same
      shape from every step that returns it. C(appliance), C(predicted) (check mode), C(license_report) (V(sync) or
      V(upload)), C(connected), C(pending_approval), C(authorization_url), C(license_sync) (null - unknown),
      C(last_sync), C(last_upload) (null - no upload, or C(last_upload_unknown) says why the latest cannot be told),
      C(last_upload_unknown), C(upload_problem), C(steps) (what was done or would be done, in order, each once),
      C(changed), C(problem).
    - C(connected) in check mode is the prediction - connected once approved on GitHub.com.
    - C(problem) is set by M(ghes.connect.ghe_connect_info) only, after a real run - why the appliance is not as the
      steps before left it (null - it is; always null in check mode).
  returned: when O(summary) is given
  type: dict
  sample: {"appliance": "ghes-01", "predicted": true, "license_report": "sync", "connected": true,
           "pending_approval": false, "authorization_url": null, "license_sync": true, "last_sync": null,
           "last_upload": null, "last_upload_unknown": null, "upload_problem": null, "steps": ["license sync on"],
           "changed": true, "problem": null}
differences:
  description: How the appliance differs from O(desired) (C(field), C(before), C(after)); empty when it matches.
  returned: when O(desired) is given
  type: list
  elements: dict
  sample: [{"field": "license_sync.enabled", "before": false, "after": true}]
unknown:
  description: What could not be read for the comparison with O(desired) (C(field), C(reason)); never a difference.
  returned: when O(desired) is given
  type: list
  elements: dict
blocked_by:
  description: Why the differences cannot be fixed by this collection (license, release, maintenance, config run).
  returned: when O(desired) is given
  type: list
  elements: str
verdict:
  description: V(error), V(blocked), V(drift), V(unknown) or V(in_sync) (see M(ghes.connect.ghe_drift_scan)).
  returned: when O(desired) is given
  type: str
record:
  description: This appliance's line of the drift report (see M(ghes.connect.ghe_drift_scan) for its fields).
  returned: when O(desired) is given
  type: dict
appliance:
  description: The observed state of the appliance.
  returned: success
  type: dict
  contains:
    url:
      description: The appliance URL.
      type: str
      sample: https://ghes.example.com
    version:
      description: The GHES release.
      type: str
      sample: 3.14.2
    feature_release:
      description: The feature release that decides which APIs and console layout apply.
      type: str
      sample: "3.14"
    version_supported:
      description:
        - Whether C(ghes.connect) can manage this release (3.9 and later).
        - GitHub's own support ends earlier (it supports the four newest feature releases); a release past that date
          is still managed, with a warning to plan the upgrade.
      type: bool
    version_problem:
      description: Why the release is not supported, or null.
      type: str
    hostname:
      description: The host name GHEC is asked about (lower case, no trailing dot); null when it cannot be
        established (see RV(appliance.identity)).
      type: str
      sample: ghes.example.com
    identity:
      description:
        - How the name was established - C(hostname), C(source) (V(option), V(manage_api), V(setup_api)),
          C(configured_hostname) (the appliance's own C(github_hostname), when it could be read) and C(reason) (why
          no name could be established). The URL's host (an IP, a load balancer) is never used as the name.
      type: dict
    unknown:
      description: Facts that could not be read, each C({field, reason}) (for example C(license.connect_permitted) on
        3.9 - 3.11, where no documented read says it). The same shape as every other C(unknown) of the collection.
      type: list
      elements: dict
    license:
      description:
        - License facts. GHES 3.12+ from the Manage API. On 3.9 - 3.11 from GHES REST
          (C(/api/v3/enterprise/settings/license)) when O(token) is given - C(seats), C(seats_used),
          C(seats_available) (each may be V(unlimited)), C(expire_at), C(days_until_expiration) - with
          C(connect_permitted) null (no documented read of that release says it); null without a token.
      type: dict
      contains:
        connect_permitted:
          description: Whether the license permits GitHub Connect (C(croquetSupport)); null when unknown.
          type: bool
        seats:
          description: Seats, or V(unlimited).
          type: raw
        expire_at:
          description: Expiry date.
          type: str
    config_run_in_progress:
      description: Whether a configuration run is going on.
      type: bool
    maintenance:
      description: Whether maintenance mode is on (on any node).
      type: bool
    connect:
      description: GitHub Connect state (when GHEC credentials are given).
      type: dict
      contains:
        connected:
          description:
            - Whether GHEC lists the appliance as a connected installation of the enterprise.
            - Null when it cannot be told - no host name could be established, or GHEC lists no installation by it
              and the appliance's own Connect page does not settle it; C(unknown) then says why.
          type: bool
        status:
          description: V(connected), V(pending) (waiting for approval on GitHub.com), V(disabled), V(unconfirmed)
            (GHEC lists the installation disconnected, the console says connected), or V(unknown).
          type: str
        unknown:
          description: Why a field could not be read, each C({field, reason}), for example C(connect.connected).
          type: list
          elements: dict
        account:
          description: The GHEC enterprise account the appliance is connected to.
          type: str
        target:
          description: V(github_com) or V(ghe_com) (from the console).
          type: str
        authorization_url:
          description: GitHub.com page where an enterprise owner approves a pending connection.
          type: str
        features:
          description: Connect features and whether each is on (from the console).
          type: dict
          sample: {"license_usage_sync": true, "server_statistics": false}
        installation:
          description:
            - The GHEC installation record, in the one shape every module, the scan and the inventory plugin use -
              C(id), C(host_name), C(customer_name), C(is_connected), C(created_at), C(updated_at), C(uploads)
              (C([{name, sync_state, created_at}])) and C(others) (other installations GHEC lists under the same name,
              each in the same shape). A field GHEC did not give is null; null when GHEC lists no installation by the
              appliance's name.
          type: dict
    license_sync:
      description: Automatic user license sync (when GHEC credentials are given).
      type: dict
      contains:
        enabled:
          description: Whether license sync is on; null when nothing available says (C(unknown) says why -
            server statistics older than 36 hours, for example - and what to give).
          type: bool
        last_sync:
          description: The last sync GHEC recorded, or null when there was none.
          type: dict
          sample: {"date": "2026-11-20T03:00:00Z", "status": "success", "error": ""}
        sync_age_seconds:
          description: Age of the last sync, measured against GHEC's clock.
          type: int
        server_id:
          description: The server id GHEC knows the appliance by.
          type: str
    problems:
      description:
        - Every reason a change could not start on this appliance now (unsupported release, license without GitHub
          Connect, maintenance, configuration run, GHEC token scope/ownership, unknown enterprise), each with its fix.
          Empty when a change could start.
      type: list
      elements: str
    sources:
      description: Where each value came from (C(manage_api), C(setup_api), C(console), C(ghec_graphql),
        C(ghec_license_sync_status), C(ghec_server_statistics)).
      type: dict
'''
