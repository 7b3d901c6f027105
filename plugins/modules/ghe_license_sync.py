#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_license_sync
short_description: Turn automatic user license sync on or off on a GHES appliance, and keep it healthy
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Sets "Server can sync user license count and usage" (newer releases - "License sync") on the appliance's GitHub
    Connect page, the switch GitHub documents for automatic user license sync. GitHub publishes no API for it; with
    O(method=console) the module submits the console form after checking the page matches its version-keyed route
    table; with O(method=manual) it prints the instruction and waits for a person.
  - Whether syncs happen is read from GHEC's documented license-sync-status. A failed last sync, no sync at all, or
    (with O(max_sync_age)) a last successful sync older than allowed is drift. It is always reported in
    RV(differences); with O(sync_now=true) the module clicks "Sync now" (License page) and waits up to
    O(wait_timeout) for GHEC to record a newer successful sync, reporting GHEC's error text when it fails.
  - GitHub Connect must already be on (see M(ghes.connect.ghe_connect)).
extends_documentation_fragment:
  - ghes.connect.run_record
  - ghes.connect.appliance
  - ghes.connect.cloud
  - ghes.connect.attributes
  - ghes.connect.attributes.STATE_CHANGING
options:
  state:
    description: Whether license sync should be on.
    type: str
    choices: [enabled, disabled]
    default: enabled
  method:
    description:
      - V(console) submits the console form (needs O(console_username) and O(console_password), but only when
        something has to change - reading needs neither).
      - V(manual) prints what to click on this release and waits up to O(wait_timeout) seconds.
    type: str
    choices: [console, manual]
    default: console
  max_sync_age:
    description:
      - Oldest acceptable last successful sync, like V(8d), V(36h), V(90m) or a number of seconds. License sync
        runs weekly, so V(8d) is a sensible bound. At least V(1h), since a shorter age would trigger a sync on every run.
    type: str
  sync_now:
    description: Trigger "Sync now" when the last sync is drift (failed, missing, or older than O(max_sync_age)).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for GHEC to record the triggered sync (and, with O(method=manual), for the operator); 1 or more.
      - A "Sync now" that a run on this controller triggered less than O(wait_timeout) ago, while the same last sync
        was the latest, is waited for instead of being triggered again (a marker in O(state_dir)).
    type: int
    default: 300
  config_wait_timeout:
    description: Seconds to wait for a configuration run already in progress before failing. V(0) fails at once.
    type: int
    default: 0
  connect_predicted:
    description:
      - Check mode only (ignored otherwise). Set it when the task before this one (M(ghes.connect.ghe_connect) in
        check mode) predicted that GitHub Connect gets connected. On an appliance that is not connected yet the module
        then reports that license sync would be switched on next, with RV(predicted=true), instead of failing.
      - A O(summary) whose C(connected) is true on an appliance not connected yet says the same (the C(ghes.connect.enable)
        role passes its Connect step's RV(ghes.connect.ghe_connect#module:summary)).
    type: bool
    default: false
seealso:
  - module: ghes.connect.ghe_connect
  - module: ghes.connect.ghe_connect_info
  - name: Enabling automatic user license sync
    description: GitHub's documentation.
    link: https://docs.github.com/en/enterprise-server@latest/billing/managing-your-license-for-github-enterprise
'''

EXAMPLES = r'''
- name: License sync on, and a successful sync within the last 8 days
  ghes.connect.ghe_license_sync:
    state: enabled
    max_sync_age: 8d
    sync_now: true
    wait_timeout: 600

- name: Drift check only (reports a stale sync, changes nothing)
  ghes.connect.ghe_license_sync:
    max_sync_age: 8d
  check_mode: true
  register: sync
'''

RETURN = r'''
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
  returned: success
  type: dict
  sample: {"appliance": "ghes-01", "predicted": true, "license_report": "sync", "connected": true,
           "pending_approval": false, "authorization_url": null, "license_sync": true, "last_sync": null,
           "last_upload": null, "last_upload_unknown": null, "upload_problem": null, "steps": ["license sync on"],
           "changed": true, "problem": null}
unknown:
  description: What could not be judged (C(field), C(reason)) - a last sync whose date GHEC gave cannot be read is
    neither healthy nor stale, and is reported here (with a warning) instead of as a difference.
  returned: when the health of the last sync is unknown
  type: list
  elements: dict
license_sync:
  description: The license sync state after the task.
  returned: success
  type: dict
  contains:
    enabled:
      description: Whether license sync is on.
      type: bool
    last_sync:
      description: The last sync GHEC recorded (C(date), C(status), C(error)), or null.
      type: dict
      sample: {"date": "2026-11-27T10:00:00Z", "status": "success", "error": ""}
    sync_age_seconds:
      description: Age of the last sync, measured against GHEC's clock.
      type: int
differences:
  description: Every way the appliance differs from the desired state (fixed or not), as C(field), C(before), C(after).
  returned: success
  type: list
  elements: dict
sync_triggered:
  description:
    - Whether "Sync now" was (or in check mode would be) triggered by this task.
    - V(false) when this task waited instead for a sync that another run on this controller had triggered for the
      same stale sync less than O(wait_timeout) ago (the task is then not changed by it).
  returned: success
  type: bool
predicted:
  description:
    - True when, in check mode with O(connect_predicted=true), the result is what follows the predicted connection
      (the appliance is not connected yet, so nothing of its license sync could be read beyond the switch).
  returned: when O(connect_predicted=true) applied
  type: bool
method_used:
  description: V(console), V(manual), or V(none).
  returned: success
  type: str
'''
