# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How to reach one GHES appliance: its URLs, credentials per interface, TLS.
    DOCUMENTATION = r'''
options:
  url:
    description:
      - Base URL of the appliance's web interface, for example V(https://ghes.example.com).
      - Must be C(https://). When the task does not set it, from the host variable C(ghes_url), then the environment
        variable E(GHES_URL).
      - Required in one of these three places; the host variable C(ghes_url) is the usual one.
    type: str
  manage_url:
    description:
      - Base URL of the Manage GHES API and the legacy Management Console API.
      - Defaults to the host of O(url) on port 8443. When the task does not set it, from the host variable
        C(ghes_manage_url), then the environment variable E(GHES_MANAGE_URL).
    type: str
  manage_username:
    description:
      - User for the Manage GHES API. V(api_key) with the root site administrator password, or a Management
        Console user (GHES 3.8+). When the task does not set it, from the host variable C(ghes_manage_username), then the
        environment variable E(GHES_MANAGE_USERNAME).
    type: str
    default: api_key
  manage_password:
    description:
      - Password for O(manage_username), sent with HTTP Basic authentication (never in a URL).
        When the task does not set it, from the host variable C(ghes_manage_password), then the environment variable
        E(GHES_MANAGE_PASSWORD).
    type: str
  token:
    description:
      - Personal access token (classic) of a site administrator with the C(site_admin) scope, for the GHES REST
        API. Only needed to read the version from the REST API on appliances whose Manage API does not answer.
        When the task does not set it, from the host variable C(ghes_token), then the environment variable E(GHES_TOKEN).
    type: str
  hostname:
    description:
      - The host name GitHub Enterprise Cloud knows this appliance by (its configured C(github_hostname)). Compared
        without letter case and without a trailing dot.
      - When not given, it is read from the appliance's settings (C(/manage/v1/config/settings) on 3.12+,
        C(/setup/api/settings) on 3.9 - 3.14), retried like any read. The URL's host (an IP address, a load
        balancer) is never used instead - when the name cannot be read, the Connect state is unknown and
        M(ghes.connect.ghe_connect) and M(ghes.connect.ghe_license_sync) stop before any write, saying so. Only
        M(ghes.connect.ghe_connect) with C(method=manual) and C(state=present) goes on when the name is known but GHEC
        does not list it yet (a person connects, and GHEC listing that name as connected is the proof).
      - When given, it overrides the appliance's own name, and a warning says so when the two differ.
      - When GHEC lists two installations by this name (a restored or rebuilt appliance, the retired record kept),
        the connected one is this appliance's; among several connected, or none, the one updated last.
      - When the task does not set it, from the host variable C(ghes_hostname), then the environment variable
        E(GHES_HOSTNAME).
    type: str
  enterprise_slug:
    description:
      - Slug of the appliance's own enterprise account, as in C(/enterprises/SLUG/settings) on the appliance.
        When the task does not set it, from the host variable C(ghes_enterprise_slug), then the environment variable
        E(GHES_ENTERPRISE_SLUG).
    type: str
    default: github
  console_username:
    description:
      - Site administrator who signs in to the appliance's web console to use the GitHub Connect and License
        pages (docs/sources.md says why the console is used). When the task does not set it, from the host variable
        C(ghes_console_username), then the environment variable E(GHES_CONSOLE_USERNAME).
    type: str
  console_password:
    description:
      - Password of O(console_username); also used to confirm access (sudo). When the task does not set it, from the host
        variable C(ghes_console_password), then the environment variable E(GHES_CONSOLE_PASSWORD).
    type: str
  console_totp_secret:
    description:
      - Base32 TOTP secret of O(console_username) when the account uses two-factor authentication.
        When the task does not set it, from the host variable C(ghes_console_totp_secret), then the environment variable
        E(GHES_CONSOLE_TOTP_SECRET).
    type: str
  validate_certs:
    description:
      - Verify the appliance's TLS certificate. Turning this off is insecure and produces a warning; prefer O(ca_path).
        When the task does not set it, from the host variable C(ghes_validate_certs), then the environment variable
        E(GHES_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA certificate(s) that signed the appliance's certificate. When set, only these are trusted.
        When the task does not set it, from the host variable C(ghes_ca_path), then the environment variable E(GHES_CA_PATH).
    type: path
  timeout:
    description:
      - Seconds each HTTP request may take as a whole (connecting, TLS, sending, the headers and the whole body of the
        answer); 1 or more. A server that sends its answer a byte at a time cannot hold a task longer.
      - The fleet tasks (M(ghes.connect.ghe_drift_scan), the reads of M(ghes.connect.ghe_connect_fleet)) give each
        appliance a budget for all its requests together - (O(retries) + 1) x O(timeout) plus the backoff between the
        attempts (0.5 s doubling, at most 30 s each), so 195.5 s with the defaults - and name the appliances they are still
        waiting for every 10 s. An appliance that never answers costs the fleet at most its budget.
      - When the task does not set it, from the host variable C(ghes_timeout).
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried on connection errors and on 408, 429, 502, 503, 504 (honouring
        C(Retry-After)). Requests that change state are only retried when the server says it did not process them.
      - When the task does not set it, from the host variable C(ghes_retries).
    type: int
    default: 5
  admin_shell:
    description:
      - Whether to run GitHub's documented administrative shell commands (C(ghe-config), C(ghe-config-apply),
        C(ghe-license usage -y -o) or C(ghe-license-usage), C(ghe-maintenance -q)) on the appliance through the
        task's own Ansible connection, as raw commands (no Python on the appliance).
      - V(auto) uses the shell when the host's connection is C(ansible.builtin.ssh). When the task does not set
        it, from the host variable C(ghes_admin_shell), then V(auto). Reach the appliance as
        C(ansible_connection=ansible.builtin.ssh), C(ansible_port=122), C(ansible_user=admin); keys, agents,
        C(ssh_config), ProxyJump and host key checking work as configured for SSH. ghes.connect never turns host
        key checking off.
      - V(always) fails unless the host is reached over SSH; V(never) keeps to the HTTP interfaces.
      - Where the shell and the modelled console can both do a job, the shell wins (the license usage export,
        the license-sync read, maintenance); results say which interface answered (C(sources)).
    type: str
    choices: [auto, always, never]
    default: auto
'''
