# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The GitHub Connect hand-shake: request it once, wait for GitHub.com's approval, resume one it forgot.

Enabling GitHub Connect on the console (MODELLED, docs/interfaces.md) sends the appliance to
GitHub.com, where an owner of the enterprise approves it. GitHub.com forgets an unapproved
hand-shake after about five minutes; the Connect page then offers "Complete your GitHub Connect
setup", which resumes it with a fresh authorization URL - never a second request. Connected
is what GHEC's documented GraphQL lists, never what the page alone says.
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import HttpStatusError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import wait_until, write_once
from ansible_collections.ghes.connect.plugins.module_utils._state.observed import CONSOLE_NEVER, read_connect, verify_mode

# What the page shows once a request landed (``unconfirmed``: the page says connected, GHEC not yet).
REQUESTED = ('pending', 'connected', 'unconfirmed')


def connected_elsewhere(state, enterprise, target=None):
    """Where else the appliance is connected, in words, or None: another enterprise, or (given) another target."""
    if state.status != 'connected':
        return None
    if state.account not in (None, enterprise):
        return 'connected to the enterprise "%s"' % state.account
    return 'connected with target %s' % state.target if target and state.target not in (None, target) else None


def request_approval(appliance, status, target=None, subdomain=None):
    """Send the hand-shake (resumed when ``status`` is ``expired``) once; return the authorization URL.

    Without an answer the appliance's own page says whether it landed (``_common.waits.write_once``).
    """
    if status == 'expired':
        send = appliance.console.resume_connect
    else:
        def send():
            return appliance.console.enable_connect(target or 'github_com', subdomain)

    def look():
        seen = read_connect(appliance, verify_mode(appliance), refresh=True)
        return seen.connected or seen.status in REQUESTED, seen.authorization_url
    return write_once(send, look, 'The request to enable GitHub Connect on %s' % appliance.url, after=appliance.changed_state)


def resume_if_expired(appliance):
    """``(page, url)``: the Connect page, and the fresh authorization URL when GitHub.com had forgotten the hand-shake."""
    page = appliance.console.connect_state()
    return page, request_approval(appliance, 'expired') if page.status == 'expired' else None


def await_approval(appliance, timeout, tell, resume=True, changed=False, authorization_url=None, instruction=None):
    """Wait up to ``timeout`` s for GHEC to list the appliance connected; return ``(state, resumed)``.

    Where the console can be read, its page is watched (it alone shows an expired hand-shake,
    resumed when ``resume``, the fresh URL told through ``tell``); GHEC's read is made once the
    page says connected, or every poll without the page (closed for maintenance: 503). At the
    deadline ``WaitTimeoutError`` says who is awaited (the operator doing ``instruction``, or an
    owner at the URL), whether this task ``changed`` anything, and the state last read.
    """
    enterprise = appliance.params.get('ghec_enterprise')
    watch = {'mode': verify_mode(appliance), 'url': authorization_url, 'resumed': False}

    def probe():
        confirmed, status = True, None
        if watch['mode'] != CONSOLE_NEVER:
            try:
                page, fresh_url = resume_if_expired(appliance) if resume else (appliance.console.connect_state(), None)
            except HttpStatusError as exc:
                if exc.status != 503:
                    raise
                watch['mode'] = CONSOLE_NEVER  # the console closed (maintenance mode): GHEC's read still tells
            else:
                status = page.status
                if fresh_url is not None:
                    watch['resumed'] = True
                    tell('the approval request expired on GitHub.com and was resumed: approve at %s' % fresh_url)
                    status = 'pending'
                watch['url'] = fresh_url or watch['url'] or page.authorization_url
                confirmed = page.status == 'connected' and page.account == enterprise
        if confirmed:
            state = read_connect(appliance, watch['mode'], refresh=True)
            if state.connected:
                return True, state, None
            status = status or state.status
        return False, None, status or 'not connected yet'

    def timed_out(_nothing):
        state = read_connect(appliance, watch['mode'], refresh=True)
        state.authorization_url = state.authorization_url or watch['url']
        changed_now = changed or watch['resumed']
        who = 'the operator (%s)' % instruction if instruction else (
            'an owner of "%s" to approve at %s' % (enterprise, state.authorization_url or 'GitHub.com'))
        raise WaitTimeoutError('Timed out after %ss waiting for %s. %s is not connected yet%s; run again once it is '
                               'approved.' % (timeout, who, appliance.url, ' (the request was sent)' if changed_now else ''),
                               changed=changed_now, authorization_url=state.authorization_url,
                               instruction=instruction, state=state.to_dict())
    state = wait_until(probe, timeout, 'the approval on GitHub.com', progress=appliance.waiter, on_timeout=timed_out)
    return state, watch['resumed']
