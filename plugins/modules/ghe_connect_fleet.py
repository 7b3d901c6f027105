#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_connect_fleet
short_description: Connect every GHES appliance of the play, with one list of approvals and one wait for all
version_added: 0.1.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Runs once for the whole play (it bypasses the host loop; no fork is held per appliance while it waits). Each
    appliance's connection options come from its own host variables (C(ghes_url), C(ghes_manage_password),
    C(ghes_console_username), ...), the GHEC options from the task or the host variables as for every module.
  - "Phase one: sends the GitHub Connect request of every appliance of a wave at once (O(concurrency) at a time),
    then prints ONE list - appliance, authorization URL - and writes it to C(ghes-connect-approvals.json) and
    C(ghes-connect-approvals.md) in O(approvals_dir) (a private directory, files 0600)."
  - "Phase two: waits for the whole wave from one loop, telling each approval as it arrives
    (C(ghes-017 approved, 12 of 20 connected, waiting up to 540 s more)), and progress every 15 s."
  - GitHub.com forgets a hand-shake nobody approved within about 5 minutes; the appliance then offers
    C(Complete your GitHub Connect setup). The module resumes such a hand-shake (on the console's GitHub Connect page)
    and puts the fresh URL in the list - an expired request is never reported as pending. Requests are therefore sent
    in waves of O(wave_size), as many as a person approves in that time; the next wave is sent when this one is
    connected. When a wave is not approved within O(approval_timeout), the rest are not requested.
  - Each appliance is read and decided exactly as M(ghes.connect.ghe_connect) decides it (the same checks of the
    release and the target, the same refusals and messages). Re-running picks up the pending requests (their URLs are
    read from the appliances) instead of sending new ones; appliances already connected to O(ghec_enterprise) are left
    alone; one connected to another enterprise fails naming O(force).
  - What only a task on the appliance can do is left to M(ghes.connect.ghe_connect) there, listed in RV(per_host) with
    why - with O(target=ghe_com) every appliance (the C(ghe-config) keys are read and set over its administrative
    shell before an approval is asked), and with O(force=true) an appliance to move (disconnected first).
  - The C(ghes.connect.enable) role uses it by default (C(enable_connect_mode=fleet)); M(ghes.connect.ghe_connect)
    remains the per-host path for single appliances.
extends_documentation_fragment:
  - ghes.connect.appliance
  - ghes.connect.cloud
  - ghes.connect.attributes
  - ghes.connect.attributes.STATE_CHANGING
options:
  url:
    description: Ignored in the task - each appliance's URL comes from its host variable C(ghes_url), then the
      environment variable E(GHES_URL).
    type: str
    required: false
  hosts:
    description: Inventory hosts to connect. Defaults to the hosts of the play's current batch.
    type: list
    elements: str
  target:
    description: V(github_com), or V(ghe_com) for GHE.com with data residency (needs O(ghe_com_subdomain)).
    type: str
    choices: [github_com, ghe_com]
    default: github_com
  ghe_com_subdomain:
    description: SUBDOMAIN of SUBDOMAIN.ghe.com when O(target=ghe_com).
    type: str
  wave_size:
    description:
      - How many appliances are asked at once. A hand-shake expires after about 5 minutes on GitHub.com, so a wave
        should be what one person approves in that time (expired ones are resumed, but each resume is a new URL).
    type: int
    default: 10
  approval_timeout:
    description:
      - Seconds to wait for the approvals of one wave. V(0) sends the requests of every wave and returns at once with
        the list (run again later to pick the approvals up).
    type: int
    default: 600
  concurrency:
    description: How many appliances are asked or read at the same time.
    type: int
    default: 10
  config_wait_timeout:
    description: Seconds to wait for a configuration run already in progress on an appliance before failing it.
    type: int
    default: 0
  force:
    description:
      - Whether an appliance connected to another enterprise or with another target is to be moved. This step does
        not move it; it lists it in RV(per_host) for M(ghes.connect.ghe_connect) with O(ghes.connect.ghe_connect#module:force=true).
        Without it, such an appliance fails, nothing changed.
    type: bool
    default: false
  approvals_dir:
    description:
      - Directory of the list of approvals. Defaults to C(ghes-connect-approvals) in the directory
        C(ansible-playbook) runs in. It must be private to the user (created 0700 when missing); links are refused.
    type: path
seealso:
  - module: ghes.connect.ghe_connect
  - name: Managing GitHub Connect
    description: GitHub's documentation.
    link: https://docs.github.com/en/enterprise-server@latest/admin/configuring-settings/configuring-github-connect/managing-github-connect
'''

EXAMPLES = r'''
- name: Connect the fleet - one list of approvals, one wait for all
  ghes.connect.ghe_connect_fleet:
    wave_size: 10
    approval_timeout: 600
  run_once: true
  register: fleet

- name: The appliances still waiting for an owner
  ansible.builtin.debug:
    var: fleet.pending
  run_once: true
'''

RETURN = r'''
summaries:
  description:
    - Inventory host name -> the run record of that appliance after this step (the RV(ghes.connect.ghe_connect#module:summary)
      shape) - C(steps) V([connect]) when this task asked (in check mode would ask) for its connection. M(ghes.connect.ghe_connect)
      on the appliance builds on it (its O(ghes.connect.ghe_connect#module:summary)).
  returned: success
  type: dict
appliances:
  description: Inventory host name -> its record.
  returned: success
  type: dict
  contains:
    appliance:
      description: Inventory host name.
      type: str
    url:
      description: Appliance URL.
      type: str
    status:
      description: V(connected), V(pending) (waiting for an owner), V(not_requested) (a wave before it was not
        approved in time), V(error), or the appliance's own state when nothing was needed.
      type: str
    connected:
      description: Whether GHEC lists it as connected.
      type: bool
    authorization_url:
      description: Where an owner of the GHEC enterprise approves it (the latest one, after a resume).
      type: str
    requested:
      description: Whether this run sent (or in check mode would send) its request.
      type: bool
    step:
      description: What the appliance needs, as M(ghes.connect.ghe_connect) decides it (its RV(ghes.connect.ghe_connect#module:step)),
        or null when it could not be decided (see C(error)).
      type: str
    per_host:
      description: Why M(ghes.connect.ghe_connect) on the appliance carries out its step instead of this one, or null.
      type: str
    error:
      description: Why it could not be connected, or null.
      type: str
connected:
  description: Appliances connected at the end.
  returned: success
  type: list
  elements: str
pending:
  description: Appliances still waiting for an approval (their URLs are in the list files).
  returned: success
  type: list
  elements: str
unconnectable:
  description: Appliances that could not be asked or read (each record's C(error) says why).
  returned: success
  type: list
  elements: str
requested:
  description: Appliances whose request this run sent or resumed.
  returned: success
  type: list
  elements: str
errors:
  description: Inventory host name -> why it could not be connected, for the appliances that could not (the
    records' C(error)); a host's own task reads its entry here rather than index the whole RV(appliances).
  returned: success
  type: dict
per_host:
  description: Inventory host name -> why M(ghes.connect.ghe_connect) on that appliance carries out its step (the records'
    C(per_host)).
  returned: success
  type: dict
list_files:
  description: Paths of the list of approvals (C(json), C(markdown)); null in check mode, which writes none.
  returned: success
  type: dict
seconds:
  description: Wall time of the task.
  returned: success
  type: float
'''
