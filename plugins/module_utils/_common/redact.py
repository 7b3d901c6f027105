# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction: what leaves a module never carries a secret.

Two complementary rules: values we know are secret (passwords, tokens, cookies) are
replaced wherever they occur in text; keys whose names say they hold a secret are
masked whatever their value (the appliance's settings object is full of them).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

MASK = '********'
SECRET_KEY_PATTERN = re.compile(
    r'(password|passwd|secret|token|private|_key$|^key$|key_data|session|cookie|otp|users$|^authorization$)',
    re.IGNORECASE)
# Short values (e.g. "1", "true") would mask innocent text everywhere; real secrets are longer.
MIN_SCRUB_LENGTH = 4


def secret_forms(secret):
    """Every form in which ``secret`` may show up in a message.

    The value itself; its ``repr`` (an exception message often quotes the value, with ``\\n`` for
    a newline); the ``repr`` of its bytes (http.client's "Invalid header value b'...'"); its JSON
    string; its URL encodings (a form body or a query string in an error) and its base64.
    """
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
             quote(secret, safe=''), quote(secret), quote_plus(secret),
             base64.b64encode(secret.encode('utf-8')).decode('ascii')}
    for encoding in ('utf-8', 'latin-1'):
        try:
            forms.add(repr(secret.encode(encoding))[2:-1])
        except UnicodeEncodeError:
            pass
    return forms


def basic_auth_form(username, password):
    """What an ``Authorization: Basic`` header carries for these credentials (itself a secret)."""
    return base64.b64encode(('%s:%s' % (username, password or '')).encode('utf-8')).decode('ascii')


class Scrubber:
    """Replaces each known secret value, in each of its forms, in text with the mask; made once for a set of secrets.

    A fleet scan's result is checked against every appliance's credentials (thousands of
    values): trying each value on each string would cost secrets x strings. A secret can
    only occur where its first characters do, so the text's own character groups pick the
    few values worth trying.
    """

    def __init__(self, secrets):
        self._by_start = {}
        forms = set()
        for secret in set(s for s in secrets if isinstance(s, str) and len(s) >= MIN_SCRUB_LENGTH):
            forms.update(secret_forms(secret))
        for form in forms:
            if len(form) >= MIN_SCRUB_LENGTH:
                self._by_start.setdefault(form[:MIN_SCRUB_LENGTH], []).append(form)

    def __call__(self, text):
        if not text or not self._by_start:
            return text
        width = MIN_SCRUB_LENGTH
        # Looked up from the text's side: set.intersection(dict) would walk every known secret's start
        # for each string (3.5 s for a 1,000-appliance scan's result).
        starts = set(gram for gram in (text[i:i + width] for i in range(len(text) - width + 1))
                     if gram in self._by_start)
        # Longest first: a secret that contains another is masked whole.
        for secret in sorted((s for start in starts for s in self._by_start[start]), key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


def scrub_text(text, secrets):
    """Replace every occurrence of each secret value in ``text``."""
    return Scrubber(secrets)(text)


def redact(value, secrets=()):
    """Return a copy of ``value`` (dicts, lists, strings) safe to show."""
    return _redact(value, Scrubber(secrets))


def _redact(value, scrub):
    if isinstance(value, dict):
        return dict(
            (key, MASK if _is_secret_key(key, item) else _redact(item, scrub))
            for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_redact(item, scrub) for item in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def _is_secret_key(key, item):
    # Booleans and empty values under a secret-sounding key say nothing secret
    # (``supportKey: true``), so they stay readable.
    if isinstance(item, (bool, int, float)) or item in (None, '', [], {}):
        return False
    if isinstance(item, (dict, list)):
        return False
    return bool(SECRET_KEY_PATTERN.search(str(key)))
