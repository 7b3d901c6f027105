# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's private state directory on the controller: the run's shared reads, "Sync now" markers.

It lives in the user's own cache (``$XDG_CACHE_HOME/ghes-connect``, else ``~/.cache/ghes-connect``),
never in a shared temporary directory, where another local user could plant a link, a directory
of their own, or data we would trust. ``state_dir`` (``GHES_CONNECT_STATE_DIR``) moves it.

What is in it only saves requests, so a directory that is not private (a link, another user's,
open to others, parents others can change) is not an outage: the run goes on without it, every
task reading GHEC itself, with one warning that names the path and the fix.
"""

from __future__ import annotations

import os

from ansible_collections.ghes.connect.plugins.module_utils._common.files import private_directory

ENV_VARIABLE = 'GHES_CONNECT_STATE_DIR'
# path -> True (checked private in this process) or False (refused; its warning is queued).
# A checked directory stays trusted for the process: its parents are checked too, so no other
# user can swap it; the few places that delete check it again (``still_private``).
_CHECKED = {}
_WARNINGS = []


def state_directory_path(option=None):
    """Where the state directory is: the option, ``GHES_CONNECT_STATE_DIR``, or the user's cache."""
    chosen = option or os.environ.get(ENV_VARIABLE)
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    cache = os.environ.get('XDG_CACHE_HOME')
    if not cache or not os.path.isabs(cache):  # the XDG spec says to ignore a relative one
        cache = os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(cache, 'ghes-connect')


def usable_state_directory(option=None):
    """The state directory once it is checked private (created 0700 if missing), else None and a warning."""
    path = state_directory_path(option)
    if path not in _CHECKED:
        try:
            private_directory(path, owner_only=True)
            _CHECKED[path] = True
        except OSError as exc:  # UnsafePathError, or a home that cannot be written
            _CHECKED[path] = False
            _WARNINGS.append(
                'The state directory %s is not used: %s The run goes on without it: each task reads GHEC itself '
                '(slower), and "Sync now" is not guarded against a second click by a concurrent run. To fix it, '
                'remove or repair it, or set state_dir (environment variable %s) to a directory only you can use.'
                % (path, _reason(exc), ENV_VARIABLE))
    return path if _CHECKED[path] else None


def still_private(path):
    """Check ``path`` again before deleting in it (a sweep): True if it is still private."""
    try:
        private_directory(path, create=False, owner_only=True)
        return True
    except OSError:
        return False


def take_warnings():
    """The warnings queued in this process since the last call (the action base adds them to the result)."""
    taken = list(_WARNINGS)
    del _WARNINGS[:]
    return taken


def _reason(exc):
    text = str(exc)
    return text if text.endswith('.') else text + '.'
