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

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import APPLIANCE_OPTIONS, CLOUD_OPTIONS

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
    'ghec_ca_path', 'ghec_cache_ttl', 'ghec_api_version'))
HOST_VARS = dict(APPLIANCE_HOST_VARS, **CLOUD_HOST_VARS)


def environment_variables(option):
    """The environment variables ``option`` falls back to (its argument spec's ``fallback``), in order."""
    fallback = dict(APPLIANCE_OPTIONS, **CLOUD_OPTIONS).get(option, {}).get('fallback') or ()
    return list(fallback[1]) if len(fallback) > 1 else []


def _places(option):
    places = ['host variable %s' % HOST_VARS[option]] if option in HOST_VARS else []
    return places + ['environment variable %s' % name for name in environment_variables(option)]


def where_set(option):
    """How a message names the places an option comes from: ``url (host variable ghes_url, environment variable GHES_URL)``."""
    places = _places(option)
    return '%s (%s)' % (option, ', '.join(places)) if places else option


def how_to_set(option):
    """What a "required" message tells the operator: ``set the task option url, the host variable ghes_url or ...``."""
    places = ['the task option %s' % option] + ['the %s' % place for place in _places(option)]
    return 'set %s' % (' or '.join(places) if len(places) < 3 else ', '.join(places[:-1]) + ' or ' + places[-1])
