# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Every module runs on the controller as an action plugin.
    DOCUMENTATION = r'''
attributes:
  action:
    description: The module's logic runs in an action plugin on the controller; nothing is copied to the host.
    support: full
  async:
    description: Asynchronous execution is not supported.
    support: none
  platform:
    description: Talks HTTPS to GHES appliances and GitHub Enterprise Cloud from the controller.
    support: full
    platforms: GitHub Enterprise Server
'''

    STATE_CHANGING = r'''
attributes:
  check_mode:
    description: Reads only and predicts the change; proven to send no state-changing request.
    support: full
  diff_mode:
    description: Returns C(before) and C(after) of the managed state, with secrets redacted.
    support: full
  idempotent:
    description: A second run with the same options reports no change.
    support: full
'''

    INFO = r'''
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
  idempotent:
    description: Read-only.
    support: full
'''
