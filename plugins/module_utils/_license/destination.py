# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's copy of a license usage export (``dest``): private, atomic, never through a link.

The export holds the encrypted user list, so its copy is a private file (0600 in a private
directory, ``_common.files``). ``check_dest`` refuses an unusable path before any request is made.
"""

from __future__ import annotations

import hashlib
import os
import stat

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.files import (
    UnsafePathError,
    make_private,
    open_no_follow,
    private_directory,
    write_private,
)


def check_dest(dest):
    """Refuse, before any request, a ``dest`` that is not a file ghes.connect may (re)write: the fix in the message."""
    try:
        info = os.lstat(dest)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise InputError('dest %s is a symbolic link: ghes.connect never writes or changes a file through a link. '
                         'Give the path of a regular file, or remove the link.' % dest)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError('dest %s is a directory: give the path of the file to keep the export in, for example '
                         '%s.' % (dest, os.path.join(dest, 'license-usage.json')))
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InputError('dest %s is not a regular file: give the path of a file to keep the export in.' % dest)
    parent = os.path.dirname(os.path.abspath(dest))
    if os.path.lexists(parent):
        try:
            private_directory(parent, create=False)
        except UnsafePathError as exc:
            raise InputError('dest %s: its directory is not private: %s Nothing was written.' % (dest, exc))


def keep(usage, dest, check_mode):
    """Write the export to ``dest`` unless it already holds these bytes privately; True when it (would have) changed."""
    if not dest:
        return False
    check_dest(dest)
    if os.path.lexists(dest):
        with open_no_follow(dest, binary=True) as handle:
            same = hashlib.sha256(handle.read()).hexdigest() == usage.sha256
            loose = os.fstat(handle.fileno()).st_mode & 0o077
        if same:
            if loose and not check_mode:
                make_private(dest)
            return bool(loose)
    if not check_mode:
        try:
            private_directory(os.path.dirname(os.path.abspath(dest)))
        except UnsafePathError as exc:
            raise InputError('dest %s: %s Nothing was written.' % (dest, exc))
        write_private(dest, usage.content)
    return True
