#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_license_upload
short_description: Send a GHES appliance's license usage to GitHub Enterprise Cloud by file
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - GitHub's manual path for appliances that are not connected (air-gapped) or whose automatic license sync
    fails. Exports the license usage JSON from the appliance's console ("Export license usage"), or takes an
    existing export with O(src); validates it (JSON, the expected instance fields, and that it belongs to this
    appliance) before anything is uploaded; keeps it on the controller (O(dest), mode 0600, written atomically);
    uploads it to the GHEC enterprise ("Add server usage"); and waits until GHEC's GraphQL API shows the upload's
    C(syncState) as C(SUCCESS). C(FAILURE) fails the task.
  - Idempotent by content. The upload is named after the export's SHA-256, so GHEC's own upload list tells whether
    this exact export was already sent; it is never uploaded twice, not even after a network error (the module looks
    for it before anything else). An export GHEC lists already, pending or in a state GHEC does not say, is awaited,
    not sent again; one it rejected is sent again only with O(force). O(max_sync_age) also skips an upload when the latest
    upload succeeded recently, or a license sync did; a newer failed or pending upload is not hidden by an older success.
    Ages are measured on GHEC's clock.
  - For a connected appliance with license sync on, "Sync now" is the better path and is used instead
    (RV(used) says so) unless O(via=file).
  - GitHub publishes no API for the upload; it goes through the GitHub.com licensing page with an owner's web session
    (O(ghec_session)).
  - The file's encrypted user list is never shown, logged, or returned.
extends_documentation_fragment:
  - ghes.connect.run_record
  - ghes.connect.appliance
  - ghes.connect.cloud
  - ghes.connect.attributes
  - ghes.connect.attributes.STATE_CHANGING
options:
  src:
    description:
      - An existing export on the controller to upload instead of exporting one (from the administrative shell,
        C(ghe-license usage -y -o) on GHES 3.13+, C(ghe-license-usage) before). A relative path is looked up like
        other C(files/) of the play or role.
    type: path
  dest:
    description:
      - Keep the export on the controller at this path (mode 0600, written atomically). Not written in check mode.
      - Its directory is created mode 0700 if missing. A O(dest) that is a directory or a symbolic link, or whose
        directory is a link, belongs to another user or can be written by others, is refused before any request.
    type: path
  via:
    description:
      - V(auto) triggers "Sync now" when the appliance is connected with license sync on, and uploads a file otherwise.
      - V(file) always uses the file path.
    type: str
    choices: [auto, file]
    default: auto
  max_sync_age:
    description:
      - Skip when the latest upload succeeded, or a license sync did, less than this ago, like V(7d), V(36h) or a number
        of seconds.
      - The drift check judges uploads by the same age, O(ghes.connect.ghe_connect_info#module:desired.max_sync_age).
    type: str
  force:
    description: Upload even when this exact export was already uploaded, or a recent one succeeded.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for GHEC to process the upload (or the triggered sync); 1 or more.
    type: int
    default: 300
seealso:
  - module: ghes.connect.ghe_license_sync
  - name: Uploading GitHub Enterprise Server license usage to GitHub Enterprise Cloud
    description: GitHub's documentation of the manual path.
    link: https://docs.github.com/en/enterprise-cloud@latest/billing/managing-your-license-for-github-enterprise
'''

EXAMPLES = r'''
- name: Air-gapped appliance - export, keep, upload, wait for SUCCESS (at most weekly)
  ghes.connect.ghe_license_upload:
    dest: "/srv/ghes-usage/{{ inventory_hostname }}.json"
    max_sync_age: 7d
    ghec_session: "{{ vault_ghec_session }}"

- name: Upload a file exported in the administrative shell
  ghes.connect.ghe_license_upload:
    src: exports/ghes-01-usage.json
    via: file
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
used:
  description: V(file) (export and upload) or V(sync_now) (connected appliance with license sync on).
  returned: success
  type: str
upload:
  description:
    - The upload this task made or found - this export's, else the latest GHEC lists.
    - Null when GHEC lists none, and when which upload is the latest cannot be told (of several, one GHEC does not date
      readably could be the latest, or several differing ones carry the latest date) - then RV(unknown) says why, with
      the field C(upload).
  returned: success
  type: dict
  contains:
    name:
      description: Upload name (carries the host and the start of the export's SHA-256).
      type: str
      sample: ghes-usage-ghes-01.example.com-3b5d5c3712955042.json
    sha256:
      description: SHA-256 of the export.
      type: str
    sync_state:
      description: C(PENDING), C(SUCCESS) or C(FAILURE); null in check mode before an upload, and when GHEC does not say it.
      type: str
    created_at:
      description: When GHEC received it.
      type: str
skipped_reason:
  description: Why nothing was uploaded, or null.
  returned: success
  type: str
export:
  description: What the export says about the appliance (server id, host name, version, features, sha256; never the users).
  returned: with the file path
  type: dict
dest:
  description: Where the export was kept.
  returned: with the file path
  type: str
differences:
  description:
    - Why the usage reporting is drift, as C(field), C(before), C(after) - the rule the drift report judges by, so a task
      that skips leaves nothing for the report to call drift. With the file path C(license_upload.latest) (the latest
      upload failed, is pending, is missing or, with O(max_sync_age), is too old - on GHEC's clock - and no license sync is
      recent); with V(sync_now) C(license_sync.last_sync).
  returned: success
  type: list
  elements: dict
unknown:
  description:
    - What could not be judged (C(field), C(reason)), like an upload GHEC dates unreadably or lists without a state.
    - C(upload) - why RV(upload) is null though GHEC lists uploads (which is the latest cannot be told).
  returned: when something could not be judged
  type: list
  elements: dict
method_used:
  description: V(file) (uploaded), V(console) ("Sync now" clicked), or V(none).
  returned: success
  type: str
'''
