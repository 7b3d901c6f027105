#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_connect
short_description: Connect a GHES appliance to a GitHub Enterprise Cloud enterprise (GitHub Connect), or disconnect it
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Brings GitHub Connect on one GitHub Enterprise Server appliance to the desired state, idempotently.
  - GitHub publishes no API to switch GitHub Connect on or off. With O(method=console) the module uses the
    appliance's site-administrator console the way a browser does (sign-in, CSRF token, sudo, the "Enable GitHub
    Connect" form), after checking that the page looks exactly as its version-keyed route table expects; with
    O(method=manual) it prints the exact instruction for the appliance's release and waits for a person.
  - Enabling always needs an owner of the GHEC enterprise to approve on GitHub.com. The module returns the
    RV(authorization_url) and waits up to O(approval_timeout) seconds until GHEC's GraphQL API lists the appliance as
    connected. It never reports a connection that GHEC does not confirm.
  - Before any change it checks, and reports together, every problem it finds - unsupported release, a license
    without GitHub Connect, maintenance mode, a configuration run in progress, a GHEC token without the
    C(read:enterprise) scope or whose owner does not own the enterprise, an unknown enterprise.
extends_documentation_fragment:
  - ghes.connect.run_record
  - ghes.connect.appliance
  - ghes.connect.cloud
  - ghes.connect.attributes
  - ghes.connect.attributes.STATE_CHANGING
options:
  state:
    description: V(present) connects the appliance to O(ghec_enterprise); V(absent) disconnects it.
    type: str
    choices: [present, absent]
    default: present
  target:
    description:
      - V(github_com) for GitHub.com, V(ghe_com) for GHE.com with data residency (GHES 3.12+, with O(ghe_com_subdomain)).
    type: str
    choices: [github_com, ghe_com]
    default: github_com
  ghe_com_subdomain:
    description: The SUBDOMAIN of SUBDOMAIN.ghe.com. Required with O(target=ghe_com).
    type: str
  method:
    description:
      - V(console) submits the console's forms (needs O(console_username) and O(console_password), but only when
        something has to change - an appliance already connected needs neither).
      - V(manual) prints what a person must click on this release, then waits for the result (O(approval_timeout)).
        For appliances whose console sign-in cannot be scripted (SAML-only, hardware keys).
    type: str
    choices: [console, manual]
    default: console
  approval_timeout:
    description:
      - Seconds to wait for the GitHub.com approval (and, with O(method=manual), for the operator).
      - V(0) does not wait; the task then reports RV(pending_approval) and the URL, and a later run finishes the job.
    type: int
    default: 600
  config_wait_timeout:
    description:
      - Seconds to wait for a configuration run already in progress before failing. V(0) fails at once.
    type: int
    default: 0
  force:
    description:
      - Allow disconnecting an appliance that is connected to another enterprise (or with another target) in order to
        connect it as requested. Without it that situation is an error, never a silent reconnect.
    type: bool
    default: false
notes:
  - The GHE.com target also needs C(ghe-config app.github.github-connect-ghe-com-enabled true), the subdomain key and
    a configuration run (GitHub documents them in the administrative shell only). With the shell (see O(admin_shell))
    the module reads both keys, sets the ones that differ (check mode and diff included), runs the configuration
    (C(POST /manage/v1/config/apply) and its poller where the Manage API is available, else C(ghe-config-apply)),
    then connects in the console. A failed run is reported with its events; the keys are left as set. Without the
    shell it warns that the keys must be set by hand. License sync to GHE.com needs GHES 3.15+.
seealso:
  - module: ghes.connect.ghe_connect_info
  - module: ghes.connect.ghe_license_sync
  - name: Managing GitHub Connect
    description: GitHub's documentation of GitHub Connect for GHES.
    link: https://docs.github.com/en/enterprise-server@latest/admin/configuring-settings/configuring-github-connect/managing-github-connect
'''

EXAMPLES = r'''
# The owner can only approve once they have the link: ask without waiting, show it, then wait.
- name: Ask GitHub.com to connect every appliance (no wait)
  ghes.connect.ghe_connect:
    url: "{{ ghes_url }}"
    manage_password: "{{ ghes_manage_password }}"
    console_username: "{{ ghes_console_username }}"
    console_password: "{{ ghes_console_password }}"
    ghec_token: "{{ ghec_token }}"
    ghec_enterprise: acme
    approval_timeout: 0
  register: connect

- name: Show where to approve
  ansible.builtin.debug:
    msg: "Approve at {{ connect.authorization_url }}"
  when: connect.pending_approval

- name: Wait up to 15 minutes for the owner's approval
  ghes.connect.ghe_connect:
    approval_timeout: 900
  when: connect.pending_approval

- name: Appliance whose console uses SAML - a person clicks, the module verifies
  ghes.connect.ghe_connect:
    method: manual
    approval_timeout: 1800

- name: Disconnect
  ghes.connect.ghe_connect:
    state: absent
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
ghe_config:
  description:
    - With O(target=ghe_com) and the administrative shell, the two C(ghe-config) keys before and after
      (C(enabled), C(subdomain)), their C(source) (V(admin_shell)) and, when they were set, the C(config_run) that
      applied them (C(via) V(manage_api) or V(admin_shell), C(written) keys).
  returned: when O(target=ghe_com)
  type: dict
differences:
  description:
    - How the state found at the start of the task differed from the desired one (C(field), C(before), C(after));
      empty when it already matched. In check mode, this is the drift.
  returned: success
  type: list
  elements: dict
  sample: [{"field": "connect.connected", "before": false, "after": true}]
connected:
  description: Whether GHEC lists the appliance as a connected installation of the enterprise after the task.
  returned: always
  type: bool
pending_approval:
  description: Whether a connection request waits for approval on GitHub.com.
  returned: always
  type: bool
authorization_url:
  description: Where an owner of the GHEC enterprise approves the connection.
  returned: when known
  type: str
  sample: https://github.com/enterprise_connect/authorize?request=1a2b3c
step:
  description:
    - What the appliance needed, decided as M(ghes.connect.ghe_connect_fleet) decides it - V(connect), V(reconnect)
      (O(force=true)), V(await) (a request already waits on GitHub.com), V(apply_config) (the GHE.com keys),
      V(disconnect), or V(none).
  returned: success
  type: str
method_used:
  description: V(console), V(manual), or V(none) when nothing had to be done.
  returned: always
  type: str
instruction:
  description: What the operator must do by hand (method manual).
  returned: with method manual
  type: str
state:
  description: The observed GitHub Connect state after the task (see M(ghes.connect.ghe_connect_info)).
  returned: success
  type: dict
diff:
  description: Before and after (C(connected), C(status), C(account), C(target)).
  returned: in diff mode
  type: dict
problems:
  description: Every preflight problem found, each with its fix, when the preflight failed.
  returned: on preflight failure
  type: list
  elements: str
'''
