# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the controller that may hold sensitive data: written 0600, atomically, never through a link.

A controller is often shared (a jump host, a CI runner): a directory another local user can
write to, or a link they planted, would let them read what we write, replace it, or make us
overwrite or delete their choice of file. So every directory we write into is checked first
(``private_directory``), and every file is created anew beside its final name and renamed.
"""

from __future__ import annotations

import os
import stat
import tempfile


class UnsafePathError(OSError):
    """A path the collection would write into is not private to the user; the message says the fix."""


def private_directory(path, create=True):
    """Return ``path`` once it is a real directory owned by this user and writable by no one else.

    A missing directory is created 0700 (its parents as the system's umask makes them). A link,
    something that is not a directory, a directory of another user, or one that group or others
    may write to is refused: nothing is changed there, and the message names the path and the fix.
    """
    path = os.path.abspath(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not create:
            raise
        parent = os.path.dirname(path)
        if parent != path and not os.path.isdir(parent):
            os.makedirs(parent, exist_ok=True)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass  # another process made it meanwhile: check what is there now
        info = os.lstat(path)
    check_private(path, info)
    return path


def check_private(path, info):
    """Raise ``UnsafePathError`` unless ``info`` (an ``lstat`` of ``path``) is a private directory."""
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePathError('%s is a symbolic link; ghes.connect does not write through links. Point the option at '
                              'the real directory, or remove the link.' % path)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePathError('%s is not a directory.' % path)
    if info.st_uid != os.getuid():
        raise UnsafePathError('%s belongs to another user (uid %d); use a directory of your own.' % (path, info.st_uid))
    if info.st_mode & 0o022:
        raise UnsafePathError('%s can be written by other users (mode %04o); run "chmod 700 %s" or use another '
                              'directory.' % (path, stat.S_IMODE(info.st_mode), path))


def write_private(path, data, durable=True):
    """Write ``data`` (bytes or str) to ``path`` with mode 0600 via a temporary file and rename.

    A reader never sees a half-written file, and the content is never readable by others,
    not even for the moment between creation and chmod (``mkstemp`` creates it 0600, and the
    mode is set on the open file, not on a name someone could swap). The rename replaces
    whatever is at ``path`` - a link included - instead of writing through it.
    ``durable=False`` skips the flush to disk: for a cache, whose loss in a crash costs a
    request, not data.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix='.ghes-connect-')
    try:
        with os.fdopen(fd, 'wb') as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise
