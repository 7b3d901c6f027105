# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30 s step)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError


def totp(secret, now=None, step=30, digits=6):
    key = _decode_secret(secret)
    counter = int((time.time() if now is None else now) // step)
    digest = hmac.new(key, struct.pack('>Q', counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


def _decode_secret(secret):
    cleaned = secret.replace(' ', '').upper()
    try:
        return base64.b32decode(cleaned + '=' * (-len(cleaned) % 8))
    except (ValueError, TypeError):
        raise InputError('console_totp_secret is not a base32 TOTP secret (the text shown beside the QR code '
                         'when two-factor authentication was set up).')
