# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared options of every module, built once (documented in ``doc_fragments``).

Each connection option falls back to an environment variable, so credentials can come
from the controller's environment, a vault, or ``module_defaults: group/ghes.connect.ghes``.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.redact import basic_auth_form

# An enterprise's slug, as GitHub makes them from its name (what a URL path may hold as is).
ENTERPRISE_SLUG = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,58}[A-Za-z0-9])?\Z')
SECRET_OPTIONS = ('manage_password', 'token', 'console_password', 'console_totp_secret', 'ghec_token', 'ghec_session')


def _env(*names):
    return (env_fallback, list(names))


APPLIANCE_OPTIONS = {
    'url': {'type': 'str', 'required': True, 'fallback': _env('GHES_URL')},
    'manage_url': {'type': 'str', 'fallback': _env('GHES_MANAGE_URL')},
    'manage_username': {'type': 'str', 'default': 'api_key', 'fallback': _env('GHES_MANAGE_USERNAME')},
    'manage_password': {'type': 'str', 'no_log': True, 'fallback': _env('GHES_MANAGE_PASSWORD')},
    'token': {'type': 'str', 'no_log': True, 'fallback': _env('GHES_TOKEN')},
    'hostname': {'type': 'str', 'fallback': _env('GHES_HOSTNAME')},
    'enterprise_slug': {'type': 'str', 'default': 'github', 'fallback': _env('GHES_ENTERPRISE_SLUG')},
    'console_username': {'type': 'str', 'fallback': _env('GHES_CONSOLE_USERNAME')},
    'console_password': {'type': 'str', 'no_log': True, 'fallback': _env('GHES_CONSOLE_PASSWORD')},
    'console_totp_secret': {'type': 'str', 'no_log': True, 'fallback': _env('GHES_CONSOLE_TOTP_SECRET')},
    'validate_certs': {'type': 'bool', 'default': True, 'fallback': _env('GHES_VALIDATE_CERTS')},
    'ca_path': {'type': 'path', 'fallback': _env('GHES_CA_PATH')},
    'timeout': {'type': 'int', 'default': 30},
    'retries': {'type': 'int', 'default': 5},
    'admin_shell': {'type': 'str', 'default': 'auto', 'choices': ['auto', 'always', 'never']},
}

# The GHEC REST API version the collection is tested against: sent as X-GitHub-Api-Version.
GHEC_API_VERSION = '2022-11-28'
API_VERSION = re.compile(r'^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
# Compiled on import (in ansible-playbook's own process), not again in every host's worker.
_NETLOC = re.compile(r'^[A-Za-z0-9.\-:\[\]]+$')
_DURATION = re.compile(r'^\s*(\d+)\s*([smhdw]?)\s*$')

CLOUD_OPTIONS = {
    'ghec_url': {'type': 'str', 'default': 'https://api.github.com', 'fallback': _env('GHEC_URL')},
    'ghec_web_url': {'type': 'str', 'default': 'https://github.com', 'fallback': _env('GHEC_WEB_URL')},
    'ghec_token': {'type': 'str', 'no_log': True, 'fallback': _env('GHEC_TOKEN')},
    'ghec_enterprise': {'type': 'str', 'fallback': _env('GHEC_ENTERPRISE')},
    'ghec_session': {'type': 'str', 'no_log': True, 'fallback': _env('GHEC_SESSION')},
    'ghec_validate_certs': {'type': 'bool', 'default': True, 'fallback': _env('GHEC_VALIDATE_CERTS')},
    'ghec_ca_path': {'type': 'path', 'fallback': _env('GHEC_CA_PATH')},
    'ghec_cache_ttl': {'type': 'int', 'default': 300},
    'ghec_api_version': {'type': 'str', 'default': GHEC_API_VERSION, 'fallback': _env('GHEC_API_VERSION')},
    'state_dir': {'type': 'path', 'fallback': _env('GHES_CONNECT_STATE_DIR')},
}

_ALL_OPTIONS = dict(APPLIANCE_OPTIONS, **CLOUD_OPTIONS)

# The desired state a drift comparison takes (ghe_connect_info, ghe_drift_scan).
DESIRED_OPTIONS = {
    'connected': {'type': 'bool', 'default': True},
    'target': {'type': 'str', 'choices': ['github_com', 'ghe_com']},
    'license_sync': {'type': 'bool'},
    'max_sync_age': {'type': 'str'},
    'license_report': {'type': 'str', 'default': 'sync', 'choices': ['sync', 'upload']},
}

# ghe_license_seats_info: the GHEC options and what the seat model is made with (no appliance options).
SEATS_OPTIONS = {
    'timeout': APPLIANCE_OPTIONS['timeout'],
    'retries': APPLIANCE_OPTIONS['retries'],
    'appliances': {'type': 'list', 'elements': 'dict', 'default': []},
    'max_sync_age': {'type': 'str', 'default': '8d'},
    'show_emails': {'type': 'bool', 'default': False},
}

METHOD_OPTION = {'type': 'str', 'default': 'console', 'choices': ['console', 'manual']}


class ArgumentSpec:
    """An argument spec plus its cross-option rules, composed from parts."""

    def __init__(self, options=None):
        self.options = {}
        self.required_if = []
        self.required_together = []
        self.mutually_exclusive = []
        self.required_by = {}
        self.update(options or {})

    def update(self, options):
        self.options.update(dict((k, dict(v)) for k, v in options.items()))
        return self

    def kwargs(self):
        return {'argument_spec': self.options, 'required_if': self.required_if,
                'required_together': self.required_together, 'mutually_exclusive': self.mutually_exclusive,
                'required_by': self.required_by}


def appliance_spec(cloud=True, extra=None):
    spec = ArgumentSpec(APPLIANCE_OPTIONS)
    if cloud:
        spec.update(CLOUD_OPTIONS)
    spec.required_together.append(['console_username', 'console_password'])
    if extra:
        spec.update(extra)
    return spec


def seats_spec():
    """``ghe_license_seats_info``: once per enterprise, on the controller."""
    return ArgumentSpec(CLOUD_OPTIONS).update(SEATS_OPTIONS)


URL_OPTIONS = ('url', 'manage_url', 'ghec_url', 'ghec_web_url')
# GHES serves its console, REST API and Manage API at fixed paths from the root of its host name
# (/setup, /api/v3, /manage/v1): behind a reverse proxy under a path prefix they would not work, so
# an appliance URL is an origin. GHEC's URLs may carry a prefix (a proxy that routes by path, a
# test double): the GHEC client appends its paths to whatever base it is given.
PATH_PREFIX_OPTIONS = ('ghec_url', 'ghec_web_url')
URL_EXAMPLES = {'url': 'https://ghes.example.com', 'manage_url': 'https://ghes.example.com:8443',
                'ghec_url': 'https://api.github.com', 'ghec_web_url': 'https://github.com'}


def check_urls(params):
    """Check every URL option ``params`` sets (``parse_url``); the first problem raises ``InputError``.

    ``params`` is changed in place where an empty value only came from an empty environment variable.
    """
    for option in URL_OPTIONS:
        if params.get(option) == '' and option != 'url' and _unset_in_environment(option):
            # An empty environment variable is an unset one (what a shell's VAR= says): the option's default applies.
            params[option] = _ALL_OPTIONS[option].get('default')
        if option in params and params[option] is not None:
            parse_url(option, params[option])


def _unset_in_environment(option):
    fallback = _ALL_OPTIONS[option].get('fallback') or (None, ())
    return any(os.environ.get(name) == '' for name in fallback[1])


def parse_url(option, value):
    """The URL option ``option`` checked once: an absolute https URL, without credentials, query or fragment.

    Returns it without a trailing slash. A message never shows the value when it may hold a
    password (anything with an ``@``: ``https://admin:Sl/ash#Pass@host`` is not even split
    where the password ends), and never its query or fragment.
    """
    example = URL_EXAMPLES.get(option, 'https://host.example.com')
    if not isinstance(value, str) or not value.strip():
        raise InputError('%s is empty: set it to an https:// address, e.g. %s.' % (option, example))
    if '@' in value:
        raise InputError('%s must not contain credentials (user:password@ before the host); the value was not used '
                         'and is not shown. Give the password or token in its own option (manage_password, token, '
                         'ghec_token) and the address alone, e.g. %s.' % (option, example))
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise InputError('%s is not a valid URL: it contains a space or a control character. Give the address alone, e.g. %s.'
                         % (option, example))
    parts = urlsplit(value)
    if parts.scheme.lower() != 'https':
        raise InputError('%s must be an https:// URL (got "%s"): ghes.connect never sends credentials over plain '
                         'HTTP.' % (option, _shown(value)))
    if not parts.hostname or not _NETLOC.match(parts.netloc):
        raise InputError('%s is not a valid URL (got "%s"): expected e.g. %s.' % (option, _shown(value), example))
    try:
        parts.port
    except ValueError:
        raise InputError('%s has an invalid port (got "%s"): expected e.g. %s.' % (option, _shown(value), example))
    if parts.query or parts.fragment:
        raise InputError('%s must not have a query or fragment (got "%s").' % (option, _shown(value)))
    if parts.path.strip('/') and option not in PATH_PREFIX_OPTIONS:
        raise InputError('%s must be an address without a path (got "%s"): GHES serves its console and APIs from the '
                         'root of its host name, so a path prefix (a reverse proxy under /ghes) is not supported. '
                         'Give the host name and port the appliance answers on, e.g. %s.' % (option, _shown(value), example))
    return value.rstrip('/')


def secret_values(params):
    """The secrets among ``params``, with the Basic credentials the Manage APIs get made of them."""
    values = [params[k] for k in SECRET_OPTIONS if isinstance(params.get(k), str) and params[k]]
    values.extend(url_credentials(params))
    if isinstance(params.get('manage_password'), str):
        for username in set((params.get('manage_username') or 'api_key', 'api_key')):
            values.append(basic_auth_form(username, params['manage_password']))
    return values


def url_credentials(params):
    """What URL options carry as credentials, in case one is refused after being echoed (never, we hope).

    ``https://admin:Sl/ash#Pass@host``: the whole value, what precedes its last ``@`` and the
    password alone, whichever character ends the user name.
    """
    found = []
    for option in URL_OPTIONS:
        value = params.get(option)
        if isinstance(value, str) and '@' in value:
            userinfo = value.split('://', 1)[-1].rsplit('@', 1)[0]
            found.extend((value, userinfo, userinfo.split(':', 1)[-1]))
    return found


def check_task_inputs(params):
    """Normalise and check what every task (and every host of a fleet scan) is given; return warnings.

    The URL options are checked first (``check_urls``), before any request.

    A secret read from a file usually ends in its newline (``\\n``, ``\\r\\n``): sent as is, it makes
    a header that http.client refuses (with the value in the message) or credentials the server
    refuses. Surrounding whitespace is removed, with a warning that names the option, never the
    value; a control character inside the value cannot be meant and is refused. ``params`` is
    changed in place.
    """
    check_urls(params)
    warnings = []
    for option in SECRET_OPTIONS:
        value = params.get(option)
        if not isinstance(value, str):
            continue
        stripped = value.strip()
        if stripped != value:
            warnings.append('%s had whitespace around it (for example the newline at the end of a file it was read '
                            'from); it was removed. Store the value without it to silence this warning.' % option)
            params[option] = stripped
        bad = next((c for c in stripped if ord(c) < 32 or 127 <= ord(c) < 160 or c in '\u2028\u2029'), None)
        if bad is not None:
            raise InputError('%s contains a control character (U+%04X) inside its value: no password, token or '
                             'session can, so it was not sent. Check how the value is stored (a vault file with a '
                             'line break in the middle?).' % (_where_set(option), ord(bad)))
    for option in ('ghec_enterprise', 'enterprise_slug'):
        value = params.get(option)
        if isinstance(value, str) and not ENTERPRISE_SLUG.match(value):
            raise InputError('%s must be the slug of an enterprise, as in %s/SLUG: letters, digits and hyphens, nothing '
                             'around them (got %s). It goes into URLs, so nothing else is sent.'
                             % (option, 'https://github.com/enterprises' if option == 'ghec_enterprise'
                                else 'https://HOSTNAME/enterprises', json.dumps(value)))
    for option in ('timeout',):
        if option in params and params[option] is not None and params[option] <= 0:
            raise InputError('%s must be 1 or more seconds (got %s): it bounds each request, and a request cannot '
                             'finish in no time.' % (option, params[option]))
    if params.get('retries') is not None and params['retries'] < 0:
        raise InputError('retries must be 0 or more (got %s).' % params['retries'])
    check_api_version(params.get('ghec_api_version'))
    return warnings


def check_api_version(value, named=None):
    """A GHEC REST API version is a date, ``2022-11-28``: anything else would be sent for GHEC to refuse.

    ``named``: how the message names the option (default: the task option, its host and environment variables).
    """
    if value is not None and not API_VERSION.match(str(value)):
        raise InputError('%s must be a GitHub REST API version, a date like %s (got "%s"); GitHub lists them under '
                         '"API Versions" in its REST documentation.'
                         % (named or _where_set('ghec_api_version'), GHEC_API_VERSION, value))


def parse_sync_age(value, option):
    """A maximum age of the last license sync, in seconds: at least an hour.

    Shorter, and every run would find the last sync too old and click "Sync now" again; GHES
    syncs on its own once a week.
    """
    seconds = parse_duration(value, option)
    if seconds is not None and seconds < 3600:
        raise InputError('%s must be at least 1h (got "%s"): a shorter age makes every run find the last sync too old '
                         'and trigger another one. GHES syncs weekly; 8d is a usual value.' % (option, value))
    return seconds


def default_manage_url(url):
    """The Manage API listens on 8443 of the appliance's host."""
    parts = urlsplit(url)
    host = parts.hostname
    if ':' in host:
        host = '[%s]' % host
    return 'https://%s:8443' % host


def parse_duration(value, option):
    """``8d``, ``12h``, ``30m``, ``90s`` or a number of seconds -> seconds (int)."""
    if value is None:
        return None
    match = _DURATION.match(str(value))
    if not match:
        raise InputError('%s must be a duration like 8d, 12h, 30m or 90s (got "%s").' % (option, value))
    return int(match.group(1)) * {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}[match.group(2)]


def _shown(url):
    """A URL without ``@`` as a message may show it: no query or fragment (either may carry a password)."""
    parts = urlsplit(url)
    shown = '%s://%s%s' % (parts.scheme, parts.netloc, parts.path) if parts.scheme else url.split('?')[0].split('#')[0]
    return shown + ('?...' if parts.query else '') + ('#...' if parts.fragment else '')


def _where_set(option):
    # host_variables derives its environment variables from this module's specs: imported when used, not at load.
    from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import where_set
    return where_set(option)
