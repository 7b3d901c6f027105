# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the controller that may hold sensitive data: written 0600, atomically, never through a link.

A controller is often shared (a jump host, a CI runner): a directory another local user can
write to, or a link they planted, would let them read what we write, replace it, or make us
overwrite or delete their choice of file. So every directory we write into is checked first
(``private_directory``), and every file is created anew beside its final name and renamed.

The check covers the directory's parents too: a directory of ours inside one that another user
may write to (not sticky, like /tmp is) could be renamed away and replaced by theirs after we
checked it, and every later use of the path would go into theirs.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError

_NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)
_DIRECTORY = getattr(os, 'O_DIRECTORY', 0)
_CLOEXEC = getattr(os, 'O_CLOEXEC', 0)


class UnsafePathError(InputError, OSError):
    """A path the collection would write into is not private to the user; the message says the fix.

    An ``OSError`` too: where any failure to write a file is handled alike, so is this one.
    """


def private_directory(path, create=True, owner_only=False):
    """Return ``path`` once it is a real directory owned by this user and writable by no one else.

    A missing directory is created 0700 (missing parents too, each 0700 whatever the umask). A link, something that is not a
    directory, a directory of another user, or one that group or others may write to is refused
    (``owner_only``: one they may read or enter, too): nothing is changed there, and the message
    names the path and the fix. The directory is opened without following links and the
    opened directory is what is checked, so a link swapped in between cannot pass.
    """
    path = os.path.abspath(path)
    check_parents(path)
    try:
        fd = _open_directory(path)
    except FileNotFoundError:
        if not create:
            raise
        for missing in reversed(_missing(path)):
            make_directory(missing)
        fd = _open_directory(path)
    try:
        check_private(path, os.fstat(fd), owner_only)
    finally:
        os.close(fd)
    return path


def make_directory(path):
    """Create the directory ``path`` with mode 0700, set on the directory itself whatever the umask.

    ``mkdir``'s mode is filtered by the umask (0200 would leave us a directory we cannot write
    to), and ``makedirs`` gives the parents it creates the umask's mode (0777 under umask 000).
    One made meanwhile by another process is left as it is: the caller checks what is there.
    """
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        return
    fd = os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    try:
        os.fchmod(fd, 0o700)
    finally:
        os.close(fd)


def _missing(path):
    """``path`` and each of its parents that does not exist yet, deepest first."""
    missing = []
    while not os.path.lexists(path) and os.path.dirname(path) != path:
        missing.append(path)
        path = os.path.dirname(path)
    return missing


def _open_directory(path):
    try:
        return os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            # A link (ELOOP; EMLINK on some BSDs) or not a directory: lstat says which.
            check_private(path, os.lstat(path))
        raise


def check_private(path, info, owner_only=False):
    """Raise ``UnsafePathError`` unless ``info`` (an ``lstat`` of ``path``) is a private directory."""
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePathError('%s is a symbolic link; ghes.connect does not write through links. Point the option at '
                              'the real directory, or remove the link.' % path)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePathError('%s is not a directory.' % path)
    if info.st_uid != os.getuid():
        raise UnsafePathError('%s belongs to another user (uid %d); use a directory of your own.' % (path, info.st_uid))
    if info.st_mode & (0o077 if owner_only else 0o022):
        raise UnsafePathError('%s can be %s by other users (mode %04o); run "chmod 700 %s" or use another '
                              'directory.' % (path, 'used' if owner_only else 'written',
                                              stat.S_IMODE(info.st_mode), path))


def check_parents(path):
    """Raise ``UnsafePathError`` if another user could replace ``path`` by changing one of its parents.

    Each parent, as written and as links resolve it, must belong to root or to this user and be
    writable by no one else, unless it is sticky (like /tmp): there only an entry's owner may
    rename or remove it.
    """
    me = os.getuid()
    parent = os.path.dirname(os.path.abspath(path))
    for chain in (_ancestors(parent), _ancestors(os.path.realpath(parent))):
        for ancestor in chain:
            try:
                info = os.lstat(ancestor)
            except FileNotFoundError:
                continue
            if info.st_uid not in (0, me):
                raise UnsafePathError('%s (a parent of %s) belongs to another user (uid %d), who could replace what '
                                      'is inside; use a directory whose parents belong to you or root.'
                                      % (ancestor, path, info.st_uid))
            if stat.S_ISDIR(info.st_mode) and info.st_mode & 0o022 and not info.st_mode & stat.S_ISVTX:
                raise UnsafePathError('%s (a parent of %s) can be written by other users (mode %04o), who could '
                                      'replace what is inside; run "chmod go-w %s" or use another directory.'
                                      % (ancestor, path, stat.S_IMODE(info.st_mode), ancestor))


def _ancestors(path):
    """``path`` and each directory above it, up to the root."""
    chain = [path]
    while os.path.dirname(chain[-1]) != chain[-1]:
        chain.append(os.path.dirname(chain[-1]))
    return chain


def open_no_follow(path, binary=False):
    """Open an existing file for reading, refusing a link at ``path`` (OSError ELOOP)."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    return os.fdopen(fd, 'rb' if binary else 'r', **({} if binary else {'encoding': 'utf-8'}))


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


def make_private(path):
    """Set a regular file's mode to 0600 through an open descriptor, never through a link."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafePathError('%s is not a regular file.' % path)
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
