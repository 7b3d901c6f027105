# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""E-mail addresses are personal data: shown masked unless the operator asks for them.

A masked address keeps the first letter of the local part and the whole domain
(``d***@corp.example``): enough to tell a company address from an old one or a private one,
and to find the person in GHEC's license report, without printing who they are.
"""

from __future__ import annotations


def mask_email(address):
    """``address`` with its local part masked; text that is not an address is masked whole."""
    local, at, domain = address.rpartition('@')
    if not at or not local:
        return '***'
    return '%s***@%s' % (local[0], domain)


def shower(show):
    """The function every address of the seat model passes through: as it is, or masked."""
    return (lambda address: address) if show else mask_email
