# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The option of every step that builds on the run record of the step before it (plugin_utils/_run_record.py).
    DOCUMENTATION = r'''
options:
  summary:
    description:
      - The run record of the step before this one on the same appliance (its RV(summary)); this task returns it with
        what it found, did or (in check mode) would do. Leave it out to start a new record.
      - The C(ghes.connect.enable) role chains it through its steps, and prints the appliance's line and its line of
        the fleet summary from the last one.
    type: dict
'''
