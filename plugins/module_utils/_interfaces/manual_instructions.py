# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words a person follows to do a console step by hand (``method: manual``, or when a page is not recognised).

They name the page and the control of the appliance's release, from the one route table
(``_interfaces.console_routes``), so the instruction matches what the console shows.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._interfaces import console_routes as routes


def manual_instruction(version, base_url, slug, action):
    """The exact words a person follows to do ``action`` by hand on this release."""
    layout = routes.layout_for(version)
    base_url = base_url.rstrip('/')
    connect = base_url + layout.connect_page.format(slug=slug)
    license_page = base_url + layout.license_page.format(slug=slug)
    if action == 'connect':
        return 'Open %s and click "%s", then have an owner of the GHEC enterprise approve on GitHub.com.' % (
            connect, layout.enable_button)
    if action == 'disconnect':
        return 'Open %s and click "%s".' % (connect, layout.disable_button)
    if action in ('license_sync_on', 'license_sync_off'):
        return 'Open %s and set %s.' % (connect, layout.license_sync.instruction(action == 'license_sync_on'))
    if action == 'sync_now':
        return 'Open %s and click "%s".' % (license_page, layout.sync_now_button)
    if action == 'export':
        return ('Open %s and click "%s", or run "ghe-license usage -y -o" (GHES 3.13+; "ghe-license-usage" before) '
                'in the administrative shell.' % (license_page, layout.export_label))
    raise ValueError(action)
