# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction: what leaves a module never carries a secret.

Two complementary rules: values we know are secret (passwords, tokens, cookies) are
replaced wherever they occur in text; keys whose names say they hold a secret are
masked whatever their value (the appliance's settings object is full of them).
"""

from __future__ import annotations

import re

MASK = '********'
SECRET_KEY_PATTERN = re.compile(
    r'(password|passwd|secret|token|private|_key$|^key$|key_data|session|cookie|otp|users$|^authorization$)',
    re.IGNORECASE)
# Short values (e.g. "1", "true") would mask innocent text everywhere; real secrets are longer.
MIN_SCRUB_LENGTH = 4


def scrub_text(text, secrets):
    """Replace every occurrence of each secret value in ``text``."""
    if not text:
        return text
    for secret in sorted((s for s in secrets if s and len(s) >= MIN_SCRUB_LENGTH), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def redact(value, secrets=()):
    """Return a copy of ``value`` (dicts, lists, strings) safe to show."""
    if isinstance(value, dict):
        return dict(
            (key, MASK if _is_secret_key(key, item) else redact(item, secrets))
            for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [redact(item, secrets) for item in value]
    if isinstance(value, str):
        return scrub_text(value, secrets)
    return value


def _is_secret_key(key, item):
    # Booleans and empty values under a secret-sounding key say nothing secret
    # (``supportKey: true``), so they stay readable.
    if isinstance(item, (bool, int, float)) or item in (None, '', [], {}):
        return False
    if isinstance(item, (dict, list)):
        return False
    return bool(SECRET_KEY_PATTERN.search(str(key)))
