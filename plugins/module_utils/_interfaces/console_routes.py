# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""THE route table of the site-administrator console (MODELLED, see docs/interfaces.md §6).

GitHub publishes no API for the Connect and license-sync switches, so the collection
drives the console the way a browser does. Every path, form field, control name, label
and button text the client relies on lives here and nowhere else, keyed by GHES
release where the UI differs. The client checks each of these on the page it fetched
before it posts anything; when a real appliance disagrees, this is the one file to fix.
"""

from __future__ import annotations

# Session (every supported release).
LOGIN_PAGE = '/login'
LOGIN_ACTION = '/session'
LOGIN_FIELDS = ('login', 'password')
TWO_FACTOR_ACTION = '/sessions/two-factor'
TWO_FACTOR_FIELD = 'app_otp'
SUDO_ACTION = '/sessions/sudo'
SUDO_FIELD = 'sudo_password'
CSRF_FIELD = 'authenticity_token'


class SelectSwitch:
    """Older UIs: a ``<select>`` under a label, saved by the form's submit button."""

    kind = 'select'

    def __init__(self, label, control, on='enabled', off='disabled'):
        self.label = label
        self.control = control
        self.on = on
        self.off = off

    def instruction(self, enabled):
        return '"%s" -> %s, then save' % (self.label, 'Enabled' if enabled else 'Disabled')


class ButtonSwitch:
    """Newer UIs: a heading and one button that reads "Enable" or "Disable"."""

    kind = 'button'

    def __init__(self, label, control, on='enabled', off='disabled', on_button='Enable', off_button='Disable'):
        self.label = label
        self.control = control
        self.on = on
        self.off = off
        self.on_button = on_button
        self.off_button = off_button

    def instruction(self, enabled):
        return '"%s" -> %s' % (self.label, self.on_button if enabled else self.off_button)


class ConsoleLayout:
    """The console as one range of GHES releases shows it."""

    def __init__(self, first, last, license_sync):
        self.first = first
        self.last = last
        self.connect_page = '/enterprises/{slug}/settings/dotcom_connection'
        self.license_page = '/enterprises/{slug}/settings/license'
        self.not_enabled_text = 'GitHub Connect is not enabled yet'
        self.pending_text = 'Connection pending approval'
        # GitHub.com forgets an unapproved hand-shake after about 5 minutes; the page then offers to resume it
        # (practitioners' reports, docs/interfaces.md §6): a fresh authorization URL, the same request otherwise.
        self.expired_text = 'You have not completed the setup process'
        self.resume_action = '/enterprises/{slug}/settings/dotcom_connection/resume_dotcom_connection'
        self.resume_button = 'Complete your GitHub Connect setup'
        self.enable_button = 'Enable GitHub Connect'
        self.disable_button = 'Disable GitHub Connect'
        self.target_control = 'target'
        self.subdomain_control = 'ghe_com_subdomain'
        self.connected_marker = 'data-connected-account'
        self.target_marker = 'data-connection-target'
        self.authorization_marker = 'data-authorization-url'
        self.license_sync = license_sync
        self.license_sync_feature = 'license_usage_sync'
        self.sync_now_action = '/enterprises/{slug}/settings/license/sync'
        self.sync_now_button = 'Sync now'
        self.export_path = '/enterprises/{slug}/settings/license/usage.json'
        self.export_label = 'Export license usage'

    def covers(self, feature):
        return feature >= self.first and (self.last is None or feature <= self.last)


LAYOUTS = (
    ConsoleLayout((3, 9), (3, 13), SelectSwitch('Server can sync user license count and usage', 'license_usage_sync')),
    ConsoleLayout((3, 14), None, ButtonSwitch('License sync', 'license_usage_sync')),
)


def layout_for(version):
    """The layout of a ``GhesVersion``; the newest known one for releases newer than the table."""
    for layout in LAYOUTS:
        if layout.covers(version.feature):
            return layout
    return LAYOUTS[-1]
