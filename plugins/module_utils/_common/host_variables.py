# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which host variable carries each connection option: the one mapping every task reads.

An option the task does not set (neither in its arguments nor through ``module_defaults``)
is taken from the host variable named here (plugin_utils._host_vars), then from its
environment variable, then its default. The same names are documented under each option
(``doc_fragments``), read by the fleet-wide tasks for every host of the play, named by the
messages about an address, and used by the inventory the simulator writes.
"""

from __future__ import annotations

# Appliance options: ``ghes_`` + the option's name.
APPLIANCE_HOST_VARS = {
    'url': 'ghes_url', 'manage_url': 'ghes_manage_url', 'manage_username': 'ghes_manage_username',
    'manage_password': 'ghes_manage_password', 'token': 'ghes_token', 'hostname': 'ghes_hostname',
    'enterprise_slug': 'ghes_enterprise_slug', 'console_username': 'ghes_console_username',
    'console_password': 'ghes_console_password', 'console_totp_secret': 'ghes_console_totp_secret',
    'validate_certs': 'ghes_validate_certs', 'ca_path': 'ghes_ca_path', 'timeout': 'ghes_timeout',
    'retries': 'ghes_retries', 'admin_shell': 'ghes_admin_shell',
}
# GHEC options already carry their ``ghec_`` prefix: the host variable has the option's name.
CLOUD_HOST_VARS = dict((name, name) for name in (
    'ghec_url', 'ghec_web_url', 'ghec_token', 'ghec_enterprise', 'ghec_session', 'ghec_validate_certs',
    'ghec_ca_path', 'ghec_cache_ttl'))
HOST_VARS = dict(APPLIANCE_HOST_VARS, **CLOUD_HOST_VARS)


def where_set(option):
    """How a message names the places an option comes from: ``url (host variable ghes_url)``."""
    return '%s (host variable %s)' % (option, HOST_VARS[option]) if option in HOST_VARS else option
