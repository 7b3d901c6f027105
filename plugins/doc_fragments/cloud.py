# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The GitHub Enterprise Cloud enterprise that appliances connect to.
    DOCUMENTATION = r'''
options:
  ghec_url:
    description:
      - Base URL of the GitHub Enterprise Cloud API. V(https://api.SUBDOMAIN.ghe.com) for GHE.com.
        When the task does not set it, from the host variable C(ghec_url), then the environment variable E(GHEC_URL).
    type: str
    default: https://api.github.com
  ghec_web_url:
    description:
      - Base URL of the GitHub Enterprise Cloud web pages (used only by the license usage upload).
        When the task does not set it, from the host variable C(ghec_web_url), then the environment variable E(GHEC_WEB_URL).
    type: str
    default: https://github.com
  ghec_token:
    description:
      - Personal access token (classic) of an owner of the enterprise, scope C(read:enterprise) (C(admin:enterprise)
        also works). Used for every verification read. When the task does not set it, from the host variable C(ghec_token),
        then the environment variable E(GHEC_TOKEN).
    type: str
  ghec_enterprise:
    description:
      - Slug of the GHEC enterprise (C(https://github.com/enterprises/SLUG)). When the task does not set it, from the host
        variable C(ghec_enterprise), then the environment variable E(GHEC_ENTERPRISE).
    type: str
  ghec_session:
    description:
      - The C(user_session) cookie of an enterprise owner signed in to GitHub.com, for the "Add server usage" upload
        that has no API. When the task does not set it, from the host variable C(ghec_session), then the environment
        variable E(GHEC_SESSION).
    type: str
  ghec_validate_certs:
    description:
      - Verify the GHEC TLS certificate. When the task does not set it, from the host variable C(ghec_validate_certs), then
        the environment variable E(GHEC_VALIDATE_CERTS).
    type: bool
    default: true
  ghec_ca_path:
    description:
      - PEM CA file trusted for GHEC instead of the system store. When the task does not set it, from the host variable
        C(ghec_ca_path), then the environment variable E(GHEC_CA_PATH).
    type: path
  ghec_cache_ttl:
    description:
      - Seconds for which enterprise-wide GHEC reads (installations, license-sync-status) are shared by every host's
        task in the same run, so a fleet costs a handful of GHEC requests instead of several per appliance.
        V(0) turns sharing off.
      - When the task does not set it, from the host variable C(ghec_cache_ttl).
    type: int
    default: 300
  ghec_api_version:
    description:
      - The GHEC REST API version every REST request names in its C(X-GitHub-Api-Version) header, a date. The
        default is the version this collection is tested against; set a newer one only after GitHub announces it
        (GHEC answers 400 to a version it does not support). GraphQL has no versions.
      - When the task does not set it, from the host variable C(ghec_api_version), then the environment variable
        E(GHEC_API_VERSION).
    type: str
    default: '2022-11-28'
  state_dir:
    description:
      - The private directory on the controller that holds the run's shared GHEC reads and the "Sync now" markers
        (which keep two runs from triggering a second sync while the first is on its way).
        Environment variable E(GHES_CONNECT_STATE_DIR).
      - Default C($XDG_CACHE_HOME/ghes-connect), or C(~/.cache/ghes-connect). Created mode 0700 if missing.
      - It must be a real directory (not a link) of the user running Ansible, mode 0700, in parents that only that
        user or root can change. Otherwise it is not used, with a warning naming the path and the fix, and the run
        goes on without it (each task then reads GHEC itself).
    type: path
'''
