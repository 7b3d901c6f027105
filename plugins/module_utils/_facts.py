# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The full picture of one appliance, and the preflight every write runs first.

``gather`` is what ``ghe_connect_info`` returns; the other modules run
``preflight`` before their first write, so one problem list (all problems at once,
each with its fix) explains why nothing was changed.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._errors import (
    GhesConnectError,
    PreflightError,
    WaitTimeoutError,
)
from ansible_collections.ghes.connect.plugins.module_utils._state import (
    SRC_ADMIN_SHELL,
    SRC_LEGACY,
    SRC_MANAGE,
    console_mode,
    read_connect,
    read_license_sync,
)
from ansible_collections.ghes.connect.plugins.module_utils._version import unsupported_message


def gather(appliance, console, preflight_reads=True):
    """Version, license, config run, maintenance, Connect and license sync, with sources.

    ``console``: ``always``, ``auto`` (only when documented reads cannot answer) or ``never``.
    ``preflight_reads=False`` skips license, config run and maintenance (a drift check needs
    only the Connect and sync state; maintenance is still read if the console is needed).
    """
    version = appliance.version
    info = {
        'url': appliance.url,
        'version': str(version),
        'feature_release': version.feature_text,
        'version_supported': version.supported,
        'version_problem': None if version.supported else unsupported_message(version),
        'hostname': appliance.hostname,
        'sources': {'version': SRC_MANAGE},
        'problems': [],
    }
    if not version.supported:
        info['problems'] = [info['version_problem']]
        return info
    if preflight_reads:
        license_data = appliance.license()
        info['license'] = license_summary(license_data)
        info['sources']['license'] = SRC_MANAGE if license_data is not None else None
        info['config_run_in_progress'] = appliance.config_run_in_progress()
        info['maintenance'] = appliance.maintenance_on()
        info['sources']['config_run_in_progress'] = SRC_MANAGE if version.has('manage_config') else SRC_LEGACY
        info['sources']['maintenance'] = SRC_ADMIN_SHELL if appliance.shell is not None else (
            SRC_MANAGE if version.has('manage_maintenance') else SRC_LEGACY)
        info['problems'] = appliance_problems(appliance, license_data, info['maintenance'],
                                              info['config_run_in_progress'])
    if appliance.params.get('ghec_token') and appliance.params.get('ghec_enterprise'):
        ghec = ghec_problem(appliance)
        if ghec:
            info['problems'].append(ghec)
            return info
        mode = console_mode(appliance, console)
        connect = read_connect(appliance, mode)
        sync = read_license_sync(appliance, connect, mode)
        info['sources'].update(('connect.' + k, v) for k, v in connect.pop('sources').items())
        info['sources'].update(('license_sync.' + k, v) for k, v in sync.pop('sources').items())
        info['connect'] = connect
        info['license_sync'] = sync
    return info


def license_summary(data):
    if data is None:
        return None
    return {
        'connect_permitted': bool(data.get('croquetSupport')),
        'seats': 'unlimited' if data.get('unlimitedSeating') else data.get('seats'),
        'expire_at': data.get('expireAt'),
        'evaluation': data.get('evaluation'),
        'perpetual': data.get('perpetual'),
        'cluster_support': data.get('clusterSupport'),
    }


def preflight(appliance, need_connect_license=True, config_wait=0):
    """Raise ``PreflightError`` listing every reason a write must not start.

    Checks the version, the license (where the appliance exposes it), maintenance, a
    running config run (waited for up to ``config_wait`` seconds), and the GHEC token's
    scope and ownership of the enterprise.
    """
    version = appliance.version
    if not version.supported:
        raise PreflightError([unsupported_message(version)])
    found = appliance_problems(appliance, appliance.license() if need_connect_license else None,
                               appliance.maintenance_on(), config_running=False)
    try:
        if config_wait > 0:
            appliance.config_runner.wait_idle(config_wait)
        elif appliance.config_run_in_progress():
            found += appliance_problems(appliance, None, False, config_running=True)
    except WaitTimeoutError as exc:
        found.append(exc.message)
    ghec = ghec_problem(appliance)
    if ghec:
        found.append(ghec)
    if found:
        raise PreflightError(found)


def appliance_problems(appliance, license_data, maintenance, config_running):
    """The appliance's reasons a write must not start (from values already read), each with its fix."""
    found = []
    if license_data is not None and not license_data.get('croquetSupport'):
        found.append('The license of %s does not permit GitHub Connect (croquetSupport is false): install a '
                     'license that includes GitHub Connect.' % appliance.url)
    if maintenance:
        found.append('%s is in maintenance mode: the console is closed. Leave maintenance mode and run again.'
                     % appliance.url)
    if config_running:
        found.append('A configuration run is in progress on %s: wait for it to finish (or set '
                     'config_wait_timeout) and run again.' % appliance.url)
    return found


def ghec_problem(appliance):
    """Why the GHEC token or enterprise cannot be used (scope, ownership, unknown), or None."""
    try:
        appliance.ghec_access()
    except GhesConnectError as exc:
        return exc.message
    return None
