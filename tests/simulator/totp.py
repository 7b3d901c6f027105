"""RFC 6238 TOTP (SHA-1, 6 digits, 30 s step) with a base32 secret, on real time."""
import base64
import hashlib
import hmac
import secrets
import struct
import time

STEP = 30
DIGITS = 6


def new_secret():
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def code(secret, at=None):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // STEP)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** DIGITS).zfill(DIGITS)


def verify(secret, candidate, window=1):
    """Accept the current step and `window` steps either side."""
    if not candidate or not candidate.isdigit() or len(candidate) != DIGITS:
        return False
    now = time.time()
    return any(hmac.compare_digest(code(secret, now + step * STEP), candidate)
               for step in range(-window, window + 1))
