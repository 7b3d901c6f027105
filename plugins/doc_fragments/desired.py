# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The desired state a drift comparison takes (module_utils._argspec.DESIRED_OPTIONS): one text for
    # ghe_connect_info and ghe_drift_scan, which compare exactly alike. Each module adds the option's own
    # description (and default).
    DOCUMENTATION = r'''
options:
  desired:
    type: dict
    suboptions:
      connected:
        description: Whether the appliance should be connected to O(ghec_enterprise).
        type: bool
        default: true
      target:
        description: The desired Connect target (compared when the console page was read).
        type: str
        choices: [github_com, ghe_com]
      license_sync:
        description: Whether license sync should be on; omit to not compare it.
        type: bool
      max_sync_age:
        description:
          - Oldest acceptable last successful sync (V(8d), V(36h), V(90m) or seconds); at least V(1h). Applies with
            O(desired.license_sync=true).
          - With O(desired.license_report=upload), the oldest acceptable successful upload.
        type: str
      license_report:
        description:
          - How the appliance's license usage reaches GHEC. V(sync) (automatic license sync over GitHub Connect) or
            V(upload) (air-gapped - usage files uploaded to GHEC, see M(ghes.connect.ghe_license_upload)).
          - With V(upload), O(desired.connected) and O(desired.license_sync) are not compared; the appliance is in the
            desired state when GHEC's latest upload for it (C(userAccountsUploads)) succeeded and, with
            O(desired.max_sync_age), is not older than that.
          - A host's own variable C(ghes_license_report) (V(sync) or V(upload)) wins over this, in
            M(ghes.connect.ghe_connect_info) and M(ghes.connect.ghe_drift_scan) alike; any other value is that
            appliance's error.
        type: str
        choices: [sync, upload]
        default: sync
'''
