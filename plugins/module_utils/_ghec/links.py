# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Links a person is told to open: only https pages of the configured GHEC web host.

The authorization URL of a GitHub Connect request comes from the appliance (its console's
redirect, its Connect page). An appliance that is compromised, or a proxy between us and it,
could make it any link, and the person asked to open it is an enterprise owner: the most
valuable account to phish. So a link is shown, returned or written only when it is https on
the host of ``ghec_web_url`` (under its path prefix, if it has one), or on SUBDOMAIN.ghe.com
for the GHE.com target; anything else is reported unknown with the reason, never the link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# What RFC 3986 lets a URL hold: a space, a quote, a pipe or a line break could end it early in a
# Markdown table or a terminal and make what a person sees differ from what they open.
URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+\Z")
GHE_COM_DOMAIN = 'ghe.com'


class PersonLinks:
    """Which links may be handed to a person, from the task's options."""

    def __init__(self, web_url, target=None, subdomain=None):
        web = urlsplit(web_url or 'https://github.com')
        self.allowed = [(_host(web), web.path.rstrip('/'), 'ghec_web_url')]
        if target == 'ghe_com' and subdomain:
            self.allowed.append(('%s.%s' % (subdomain.lower(), GHE_COM_DOMAIN), '', 'GHE.com target'))

    @classmethod
    def from_params(cls, params):
        desired = params.get('desired') if isinstance(params.get('desired'), dict) else {}
        return cls(params.get('ghec_web_url'), params.get('target') or desired.get('target'),
                   params.get('ghe_com_subdomain'))

    def check(self, url, what='the authorization URL'):
        """``(url, None)`` when ``url`` may be shown to a person, else ``(None, why)``: the why never holds the link."""
        if url is None:
            return None, None
        problem = self._problem(url)
        if problem is None:
            return url, None
        hosts = ' or '.join('https://%s%s (%s)' % (host, path, source) for host, path, source in self.allowed)
        return None, ('the appliance gave %s that %s; only pages of %s are shown, so it is withheld: an owner '
                      'opening another link could be phished. Check what redirects the appliance (a proxy?), and '
                      'approve from its Management Console, GitHub Connect page' % (what, problem, hosts))

    def _problem(self, url):
        if not isinstance(url, str) or not URL_CHARACTERS.match(url):
            return 'holds characters no URL may'
        parts = urlsplit(url)
        if parts.scheme.lower() != 'https':
            return 'is not https'
        if '@' in parts.netloc:
            return 'carries a user name'
        try:
            host = _host(parts)
        except ValueError:
            return 'has an invalid port'
        segments = parts.path.lower().replace('%2e', '.').split('/')
        if '..' in segments:
            return 'climbs out of its path'  # a browser resolves /web/../x to /x
        for allowed_host, prefix, _source in self.allowed:
            if host == allowed_host and (not prefix or parts.path == prefix or parts.path.startswith(prefix + '/')):
                return None
        return 'points elsewhere'


def _host(parts):
    """``host`` or ``host:port`` as compared (lower case; the https default port left out)."""
    host = (parts.hostname or '').lower()
    if ':' in host:
        host = '[%s]' % host
    return host if parts.port in (None, 443) else '%s:%d' % (host, parts.port)
