"""Console sessions: cookie, CSRF token, two-factor step, sudo mode, flash messages."""
import hmac
import secrets

from .httpmsg import HttpError

COOKIE = "_gh_sess"
SUDO_SECONDS = 2 * 3600
MAX_SESSIONS = 200       # per appliance; the oldest are forgotten first


class ConsoleSession:
    __slots__ = ("sid", "csrf", "user", "site_admin", "otp_login", "return_to", "sudo_until", "flashes")

    def __init__(self):
        self.sid = secrets.token_urlsafe(24)
        self.csrf = secrets.token_urlsafe(32)
        self.user = None            # signed-in login
        self.site_admin = False
        self.otp_login = None       # password accepted, waiting for the TOTP code
        self.return_to = "/"
        self.sudo_until = 0.0
        self.flashes = []           # [(kind, text)], shown once

    def flash(self, kind, text):
        self.flashes.append((kind, text))

    def take_flashes(self):
        flashes, self.flashes = self.flashes, []
        return flashes

    def sudo_active(self, now):
        return now < self.sudo_until


def current(appliance, request):
    sid = request.cookies().get(COOKIE)
    return appliance.sessions.get(sid) if sid else None


def create(appliance):
    session = ConsoleSession()
    appliance.sessions[session.sid] = session
    # Every session id and CSRF token ever issued, for leak tests (secret_values).
    appliance.issued_session_secrets.extend((session.sid, session.csrf))
    while len(appliance.sessions) > MAX_SESSIONS:
        appliance.sessions.pop(next(iter(appliance.sessions)))
    return session


def discard(appliance, session):
    appliance.sessions.pop(session.sid, None)


def cookie_header(session):
    return ("Set-Cookie", "%s=%s; path=/; secure; HttpOnly; SameSite=Lax" % (COOKIE, session.sid))


def check_csrf(session, request):
    """A POST must carry the authenticity_token of its own session, else 422."""
    token = request.form().get("authenticity_token", "")
    if session is None or not token or not hmac.compare_digest(token, session.csrf):
        raise HttpError(422, "Invalid authenticity token")


def safe_return_to(value):
    """Only local paths: never redirect off the appliance."""
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return "/"
