#!/usr/bin/python
# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ghe_admin_ssh_key
short_description: Authorise an SSH public key for the GHES administrative shell, through the Manage API
version_added: 0.2.0
author: ghes.connect maintainers (@ghes-connect)
description:
  - Adds (O(state=present)) or removes (O(state=absent)) one public key of the C(admin) user of the administrative
    shell (SSH, port 122) with the documented Manage GHES API C(/manage/v1/access/ssh) (GHES 3.12 and later), so a
    playbook can bootstrap shell access for a fleet from the Manage API password it already has.
  - Lists the keys first and writes only when needed; keys are compared by type and key body (the comment is
    ignored). After a write, the list is read again to verify.
  - A key is present when the list holds it readably. It is absent only when every entry of the list can be read - an
    entry whose C(key) is missing, null, not text or not a public key line may be this key, so then the task fails,
    saying which entry, and writes nothing (for O(state=present) too, which cannot tell an addition from a key already
    there). Entries that cannot be read are named in a warning and left out of RV(keys). An answer that is not a list
    (null, say) fails the task; it is no list of keys, never an empty one.
  - Once the key is authorised, the other modules use the shell through the host's own Ansible connection (see
    O(admin_shell)).
extends_documentation_fragment:
  - ghes.connect.appliance
  - ghes.connect.cloud
  - ghes.connect.attributes
  - ghes.connect.attributes.STATE_CHANGING
options:
  key:
    description:
      - One OpenSSH public key line, C(TYPE BASE64 [comment]), for example the content of C(~/.ssh/id_ed25519.pub).
      - A private key is refused without being sent anywhere.
    type: str
    required: true
  state:
    description: Whether the key should be authorised.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: ghes.connect.ghe_connect
  - name: Accessing the administrative shell (SSH)
    description: GitHub's documentation.
    link: "https://docs.github.com/en/enterprise-server@latest/admin/administering-your-instance/\
      administering-your-instance-from-the-command-line/accessing-the-administrative-shell-ssh"
'''

EXAMPLES = r'''
- name: Authorise the controller's key on every appliance (3.12+), then use the shell
  ghes.connect.ghe_admin_ssh_key:
    key: "{{ lookup('ansible.builtin.file', '~/.ssh/ghes_admin.pub') }}"
    admin_shell: never   # this task itself talks HTTPS only

- name: Remove a retired key
  ghes.connect.ghe_admin_ssh_key:
    key: "{{ retired_admin_key }}"
    state: absent
'''

RETURN = r'''
fingerprint:
  description: SHA256 fingerprint of O(key).
  returned: success
  type: str
  sample: SHA256:2x1c6m0h1Jw7bJ7m8lN4b3D8n9dS1b0yQH5q2Jm0kDA
keys:
  description: Fingerprints of every key authorised after the task (predicted in check mode) whose entry can be read.
  returned: success
  type: list
  elements: str
sources:
  description: Which interface answered each value (V(manage_api)).
  returned: success
  type: dict
differences:
  description: How the authorised keys differ from O(state) for O(key) (C(field) C(admin_ssh_key.<fingerprint>), C(before),
    C(after)), or empty.
  returned: success
  type: list
  elements: dict
method_used:
  description: V(manage_api) when the key was (or in check mode would be) added or removed, else V(none).
  returned: success
  type: str
'''
