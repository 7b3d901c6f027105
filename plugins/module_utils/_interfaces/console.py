# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the site-administrator console (MODELLED: see ``_interfaces/console_routes.py``).

It signs in like a browser (CSRF token, optional TOTP, sudo for sensitive actions),
reads the GitHub Connect and License pages, and submits their forms. Before posting
anything it finds the expected form and control on the page it just fetched; when
they are not there it raises ``ConsoleLayoutError`` with the manual instruction
instead of guessing. Every form post is sent once: a post whose outcome is unknown
is never repeated blindly (the caller re-reads the page to learn what happened).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import (
    ConsoleError,
    ConsoleLayoutError,
    ConsoleLoginError,
    NotFoundError,
)
from ansible_collections.ghes.connect.plugins.module_utils._common.host_variables import where_set
from ansible_collections.ghes.connect.plugins.module_utils._interfaces import console_routes as routes
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.manual_instructions import manual_instruction
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.totp import totp
from ansible_collections.ghes.connect.plugins.module_utils._transport.html_forms import Page

HTML_HEADERS = {'Accept': 'text/html'}


class ConnectState:
    """What the Connect page shows: ``disabled``, ``pending`` or ``connected``."""

    def __init__(self, status, account=None, target=None, authorization_url=None, features=None, link_withheld=None):
        self.status = status
        self.account = account
        self.target = target
        self.authorization_url = authorization_url
        self.features = features or {}
        # Why the page's authorization URL is not given (``link_check`` refused it), or None.
        self.link_withheld = link_withheld


class ConsoleClient:
    """The appliance's Management Console, read and driven like a browser.

    ``link_check(url) -> (url, None) or (None, why)`` decides which authorization URLs a person
    may be given (``_ghec/links.PersonLinks.check``; the appliance's clients always pass it):
    every URL this client returns for a person goes through ``for_a_person``, and
    ``link_withheld`` says why the last one was withheld.
    """

    def __init__(self, http, username, password, enterprise_slug, version, totp_secret=None, host_label=None,
                 link_check=None):
        self.http = http
        self.link_check = link_check
        self.link_withheld = None
        self.username = username
        self.password = password
        self.totp_secret = totp_secret
        self.slug = enterprise_slug
        self.version = version
        self.layout = routes.layout_for(version)
        self.host_label = host_label or http.base_url
        self._signed_in = False

    # -- paths and instructions -------------------------------------------------------
    @property
    def connect_path(self):
        return self.layout.connect_page.format(slug=self.slug)

    @property
    def license_path(self):
        return self.layout.license_page.format(slug=self.slug)

    def instruction(self, action):
        return manual_instruction(self.version, self.http.base_url, self.slug, action)

    def _layout_error(self, what, action):
        return ConsoleLayoutError(
            'Console layout not recognised for GHES %s on %s: %s. Nothing was submitted. Do it by hand '
            '(or use method: manual): %s' % (self.version.feature_text, self.host_label, what, self.instruction(action)))

    # -- session ------------------------------------------------------------------------
    def sign_in(self):
        """Sign in; once more if the sign-in form's session vanished (422) - signing in changes nothing."""
        for attempt in range(2):
            if self._sign_in_once(final=attempt == 1):
                self._signed_in = True
                return

    def _sign_in_once(self, final):
        response = self.http.request('GET', routes.LOGIN_PAGE, headers=HTML_HEADERS)
        page = Page(response.text, response.url)
        form = _one(page.find_forms(action=routes.LOGIN_ACTION))
        if form is None or not all(form.has_control(f) for f in (routes.CSRF_FIELD,) + routes.LOGIN_FIELDS):
            raise ConsoleLayoutError('Console layout not recognised for GHES %s on %s: the sign-in page has no form '
                                     'posting to %s with %s.' % (self.version.feature_text, self.host_label,
                                                                 routes.LOGIN_ACTION, ', '.join(routes.LOGIN_FIELDS)))
        values = dict(form.fields)
        values.update(dict(zip(routes.LOGIN_FIELDS, (self.username, self.password))))
        response = self.http.request('POST', routes.LOGIN_ACTION, form=values, headers=HTML_HEADERS,
                                     expected=(200, 302, 422), safe=True)
        if response.status == 422:
            if final:
                raise ConsoleLoginError('The console on %s rejected the sign-in form twice (422: its session or CSRF '
                                        'token expired at once). Check the appliance\'s clock and session settings.'
                                        % self.host_label)
            return False
        if response.status == 200:
            raise ConsoleLoginError('The console on %s refused the sign-in of console_username "%s"%s. Check %s and %s '
                                    '(a site administrator of the appliance).'
                                    % (self.host_label, self.username, _flash(Page(response.text)),
                                       where_set('console_username'), where_set('console_password')))
        if self._path_of(response.location) == routes.TWO_FACTOR_ACTION:
            response = self._two_factor(response.location)
        if self._path_of(response.location) in (routes.LOGIN_PAGE, routes.LOGIN_ACTION, routes.TWO_FACTOR_ACTION):
            raise ConsoleLoginError('The console on %s did not open a session for "%s".' % (self.host_label, self.username))
        return True

    def _two_factor(self, location):
        if not self.totp_secret:
            raise ConsoleLoginError('The console account "%s" on %s uses two-factor authentication: set %s (its TOTP '
                                    'secret), or use method: manual.'
                                    % (self.username, self.host_label, where_set('console_totp_secret')))
        response = self.http.request('GET', self._absolute(location), headers=HTML_HEADERS)
        form = _one(Page(response.text).find_forms(action=routes.TWO_FACTOR_ACTION, control=routes.TWO_FACTOR_FIELD))
        if form is None:
            raise ConsoleLayoutError('Console layout not recognised for GHES %s on %s: no two-factor form with %s.'
                                     % (self.version.feature_text, self.host_label, routes.TWO_FACTOR_FIELD))
        values = dict(form.fields)
        values[routes.TWO_FACTOR_FIELD] = totp(self.totp_secret)
        response = self.http.request('POST', routes.TWO_FACTOR_ACTION, form=values, headers=HTML_HEADERS,
                                     expected=(200, 302), safe=True)
        if response.status == 200:
            raise ConsoleLoginError('The console on %s refused the two-factor code of "%s"%s. Check %s and the '
                                    'controller\'s clock.' % (self.host_label, self.username, _flash(Page(response.text)),
                                                              where_set('console_totp_secret')))
        return response

    def page(self, path):
        """GET a console page, signing in first and once more if the session expired."""
        for _attempt in range(2):
            if not self._signed_in:
                self.sign_in()
            try:
                response = self.http.request('GET', path, headers=HTML_HEADERS, expected=(200, 302))
            except NotFoundError as exc:
                raise ConsoleError('The console answered 404 for %s: console_username "%s" is not a site '
                                   'administrator, or enterprise_slug "%s" is wrong.'
                                   % (path, self.username, self.slug), status=exc.status)
            if response.status == 200:
                return Page(response.text, response.url)
            if self._is_sign_in_redirect(response.location):
                self._signed_in = False
                continue
            raise ConsoleError('The console redirected %s to %s unexpectedly.' % (path, self._path_of(response.location)))
        raise ConsoleLoginError('The console on %s ended the session again right after signing in.' % self.host_label)

    def submit(self, path, locate, values):
        """Find a form on ``path`` with ``locate(page)`` and post it with ``values``.

        Handles "Confirm access" (sudo) and one expired session by fetching the page
        again and posting again: both answers mean the first post was not carried out.
        Returns the final response (usually a 302).
        """
        for _attempt in range(3):
            page = self.page(path)
            form = locate(page)
            fields = dict(form.fields)
            fields.update(values)
            response = self.http.request('POST', self._absolute(form.action or path), form=fields,
                                         headers=HTML_HEADERS, expected=(200, 302, 422), safe=False)
            if response.status == 422:
                raise ConsoleError('The console rejected the form on %s (422: the CSRF token was not accepted).' % path)
            if response.status == 302 and self._is_sign_in_redirect(response.location):
                self._signed_in = False
                continue
            if response.status == 200:
                confirm = Page(response.text)
                sudo = _one(confirm.find_forms(action=routes.SUDO_ACTION, control=routes.SUDO_FIELD))
                if sudo is not None:
                    self._sudo(sudo)
                    continue
            return response
        raise ConsoleError('The console on %s kept asking to sign in or confirm access for %s.' % (self.host_label, path))

    def _sudo(self, form):
        values = dict(form.fields)
        values[routes.SUDO_FIELD] = self.password
        response = self.http.request('POST', routes.SUDO_ACTION, form=values, headers=HTML_HEADERS,
                                     expected=(200, 302), safe=True)
        if response.status == 200:
            raise ConsoleLoginError('The console on %s refused to confirm access (sudo) for "%s"%s.'
                                    % (self.host_label, self.username, _flash(Page(response.text))))

    # -- the Connect page ---------------------------------------------------------------
    def connect_state(self):
        return self._read_connect(self.page(self.connect_path))

    def _read_connect(self, page):
        layout = self.layout
        account = page.marker(layout.connected_marker)
        if account:
            features = page.features()
            sync = self._license_sync_value(page)
            if sync is not None:
                features[layout.license_sync_feature] = sync
            return ConnectState('connected', account=account, target=self._target(page), features=features)
        if page.has_text(layout.pending_text):
            url, withheld = self.for_a_person(page.marker(layout.authorization_marker))
            return ConnectState('pending', authorization_url=url, link_withheld=withheld)
        if page.has_text(layout.expired_text) and self._resume_form(page, required=False) is not None:
            return ConnectState('expired')
        if page.has_text(layout.not_enabled_text) and self._enable_form(page, required=False) is not None:
            return ConnectState('disabled')
        raise self._layout_error('the GitHub Connect page shows neither "%s", "%s" nor a connected account'
                                 % (layout.not_enabled_text, layout.pending_text), 'connect')

    def _target(self, page):
        """Where the page says the connection goes; before 3.12 (GitHub.com the only target) the page need not say.
        None when a release that offers GHE.com shows no target: not assumed to be GitHub.com."""
        target = page.marker(self.layout.target_marker)
        if target:
            return target
        return None if self.version.has('ghe_com_target') else 'github_com'

    def _enable_form(self, page, required=True):
        form = _one(page.find_forms(control=self.layout.target_control, button=self.layout.enable_button))
        if form is None and required:
            raise self._layout_error('no form with a "%s" control and a "%s" button'
                                     % (self.layout.target_control, self.layout.enable_button), 'connect')
        return form

    def enable_connect(self, target='github_com', subdomain=None):
        """Start the connection; return the GitHub.com authorization URL (None if not given)."""
        layout = self.layout

        def locate(page):
            form = self._enable_form(page)
            offered = form.options.get(layout.target_control) or [form.fields.get(layout.target_control)]
            if target not in offered:
                raise ConsoleError('GHES %s on %s does not offer the %s target for GitHub Connect (offered: %s).'
                                   % (self.version.feature_text, self.host_label, target, ', '.join(offered)))
            if target == 'ghe_com' and not form.has_control(layout.subdomain_control):
                raise self._layout_error('no "%s" field for the GHE.com target' % layout.subdomain_control, 'connect')
            return form

        values = {layout.target_control: target}
        if target == 'ghe_com':
            values[layout.subdomain_control] = subdomain
        response = self.submit(self.connect_path, locate, values)
        if response.status == 200:
            raise ConsoleError('The console did not start GitHub Connect on %s%s.'
                               % (self.host_label, _flash(Page(response.text))))
        return self._authorization_url(response)

    def _authorization_url(self, response):
        """Where a Connect request sent the browser (GitHub.com), else what the page shows; None if withheld."""
        if not self._is_own_url(response.location):
            url, self.link_withheld = self.for_a_person(response.location)
            return url
        state = self.connect_state()
        self.link_withheld = state.link_withheld
        return state.authorization_url

    def for_a_person(self, url):
        """``(url, None)``, or ``(None, why)`` when ``link_check`` does not let a person be sent there."""
        return self.link_check(url) if self.link_check is not None and url is not None else (url, None)

    def _resume_form(self, page, required=True):
        action = self.layout.resume_action.format(slug=self.slug)
        form = _one(page.find_forms(action=action, button=self.layout.resume_button))
        if form is None and required:
            raise self._layout_error('no "%s" form posting to %s' % (self.layout.resume_button, action), 'connect')
        return form

    def resume_connect(self):
        """"Complete your GitHub Connect setup" for an expired hand-shake; return the fresh authorization URL."""
        response = self.submit(self.connect_path, self._resume_form, {})
        if response.status == 200:
            raise ConsoleError('The console did not resume the GitHub Connect setup on %s%s.'
                               % (self.host_label, _flash(Page(response.text))))
        return self._authorization_url(response)

    def disable_connect(self):
        layout = self.layout

        def locate(page):
            form = _one(page.find_forms(button=layout.disable_button))
            if form is None:
                raise self._layout_error('no "%s" form' % layout.disable_button, 'disconnect')
            return form

        response = self.submit(self.connect_path, locate, {})
        if response.status == 200:
            raise ConsoleError('The console did not disable GitHub Connect on %s%s.'
                               % (self.host_label, _flash(Page(response.text))))

    # -- license sync ---------------------------------------------------------------------
    def _license_sync_form(self, page, want=None):
        switch = self.layout.license_sync
        action = 'license_sync_on' if want in (None, True) else 'license_sync_off'
        if not page.has_text(switch.label):
            raise self._layout_error('no "%s" setting on the GitHub Connect page' % switch.label, action)
        if switch.kind == 'select':
            forms = [f for f in page.find_forms(control=switch.control)
                     if set((switch.on, switch.off)) <= set(f.options.get(switch.control, ()))]
        else:
            buttons = (switch.on_button, switch.off_button) if want is None else (
                switch.on_button if want else switch.off_button,)
            forms = [f for f in page.find_forms(control=switch.control) if any(f.button(b) for b in buttons)]
        form = _one(forms)
        if form is None:
            raise self._layout_error('no form with the "%s" control under "%s"' % (switch.control, switch.label), action)
        return form

    def _license_sync_value(self, page):
        """Enabled per the control itself; None when the page has no such control, or it selects neither value
        (a select with no option selected is not "disabled", a form with both buttons is not "enabled")."""
        switch = self.layout.license_sync
        if not page.has_text(switch.label):
            return None
        form = self._license_sync_form(page)
        if switch.kind == 'select':
            if switch.control not in form.marked:
                return None     # the page marks no option: what a browser would show first is no reading
            return {switch.on: True, switch.off: False}.get(form.fields.get(switch.control))
        # The button offers the opposite of the current state; a form offering both states says neither.
        offers_off, offers_on = form.button(switch.off_button), form.button(switch.on_button)
        if offers_off and offers_on:
            return None
        if offers_off:
            return True
        return False if offers_on else None

    def set_license_sync(self, enabled):
        switch = self.layout.license_sync
        value = switch.on if enabled else switch.off
        self.submit(self.connect_path, lambda page: self._license_sync_form(page, want=enabled),
                    {switch.control: value})

    # -- the License page ---------------------------------------------------------------
    def sync_now(self):
        layout = self.layout
        action = layout.sync_now_action.format(slug=self.slug)

        def locate(page):
            form = _one(page.find_forms(action=action, button=layout.sync_now_button))
            if form is None:
                raise self._layout_error('no "%s" form on the License page (it is only shown while license sync '
                                         'is on)' % layout.sync_now_button, 'sync_now')
            return form

        response = self.submit(self.license_path, locate, {})
        if response.status != 302:
            raise ConsoleError('The console did not schedule a sync on %s%s.' % (self.host_label, _flash(Page(response.text))))

    def export_usage(self):
        """The license usage file (bytes) as "Export license usage" downloads it."""
        path = self.layout.export_path.format(slug=self.slug)
        for _attempt in range(2):
            if not self._signed_in:
                self.sign_in()
            try:
                response = self.http.request('GET', path, expected=(200, 302))
            except NotFoundError:
                raise ConsoleError('The console on %s offers no license usage export at %s. %s'
                                   % (self.host_label, path, self.instruction('export')))
            if response.status == 302 and self._is_sign_in_redirect(response.location):
                self._signed_in = False
                continue
            if response.status == 200:
                return response.body
            break
        raise ConsoleError('The console on %s did not return the license usage export. %s'
                           % (self.host_label, self.instruction('export')))

    # -- helpers --------------------------------------------------------------------------
    def _absolute(self, location):
        return urljoin(self.http.base_url + '/', location)

    def _is_own_url(self, location):
        if not location:
            return True
        target = urlsplit(self._absolute(location))
        own = urlsplit(self.http.base_url)
        return (target.hostname, target.port) == (own.hostname, own.port)

    def _path_of(self, location):
        return urlsplit(self._absolute(location or '')).path if location else None

    def _is_sign_in_redirect(self, location):
        return self._is_own_url(location) and self._path_of(location) == routes.LOGIN_PAGE


def _one(forms):
    return forms[0] if len(forms) == 1 else None


def _flash(page):
    """The page's error messages, to end a sentence of ours (their own final period dropped: no "..")."""
    return (': ' + '; '.join(e.rstrip().rstrip('.') for e in page.flash_errors)) if page.flash_errors else ''
