# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the controller that may hold sensitive data: written 0600, atomically."""

from __future__ import annotations

import os
import tempfile


def write_private(path, data, durable=True):
    """Write ``data`` (bytes or str) to ``path`` with mode 0600 via a temporary file and rename.

    A reader never sees a half-written file, and the content is never readable by others,
    not even for the moment between creation and chmod (``mkstemp`` creates it 0600).
    ``durable=False`` skips the flush to disk: for a cache, whose loss in a crash costs a
    request, not data.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix='.ghes-connect-')
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
