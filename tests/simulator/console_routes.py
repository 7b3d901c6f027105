"""The simulator's own route table for the modelled console, and its handlers.

Deliberately independent of the collection's client (plugins/module_utils): the two
meet only in docs/interfaces.md §6. Access levels: None (anyone), "user" (signed in),
"admin" (a site administrator; others get 404). A missing or expired session
answers 302 to /login?return_to=PATH, before any CSRF check.
"""
import json
import urllib.parse

from . import console_pages as pages
from . import console_sessions as sessions
from . import totp
from .httpmsg import HttpError, Response, html_response, redirect


def _url(appliance, path):
    return appliance.url + path


def _login_redirect(appliance, request):
    return redirect(_url(appliance, "/login?" + urllib.parse.urlencode({"return_to": request.target})))


# -- session pages -------------------------------------------------------------
def login_page(world, appliance, request, session):
    if session is None or session.user:
        session = sessions.create(appliance)
    html = pages.login_page(session.csrf, sessions.safe_return_to(request.arg("return_to")), session.take_flashes())
    return html_response(html, headers=[sessions.cookie_header(session)])


def login_submit(world, appliance, request, session):
    sessions.check_csrf(session, request)
    form = request.form()
    return_to = sessions.safe_return_to(form.get("return_to") or request.arg("return_to"))
    account = appliance.console_user(form.get("login", ""))
    if account is None or account[0] != form.get("password", ""):
        return html_response(pages.login_page(session.csrf, return_to,
                                              [("error", "Incorrect username or password.")]))
    sessions.discard(appliance, session)
    fresh = sessions.create(appliance)          # a new session id on sign-in
    fresh.return_to = return_to
    if account[2]:
        fresh.otp_login = form["login"]
        return redirect(_url(appliance, "/sessions/two-factor"), [sessions.cookie_header(fresh)])
    fresh.user, fresh.site_admin = form["login"], account[1]
    return redirect(_url(appliance, return_to), [sessions.cookie_header(fresh)])


def two_factor_page(world, appliance, request, session):
    if session is None or not session.otp_login:
        return redirect(_url(appliance, "/login"))
    return html_response(pages.two_factor_page(session.csrf, session.take_flashes()))


def two_factor_submit(world, appliance, request, session):
    sessions.check_csrf(session, request)
    if not session.otp_login:
        return redirect(_url(appliance, "/login"))
    account = appliance.console_user(session.otp_login)
    if account is None or not account[2] or not totp.verify(account[2], request.form().get("app_otp", "").strip()):
        return html_response(pages.two_factor_page(session.csrf, [("error", "Two-factor authentication failed.")]))
    sessions.discard(appliance, session)
    fresh = sessions.create(appliance)
    fresh.user, fresh.site_admin = session.otp_login, account[1]
    return redirect(_url(appliance, session.return_to), [sessions.cookie_header(fresh)])


def sudo_submit(world, appliance, request, session):
    sessions.check_csrf(session, request)
    form = request.form()
    return_to = sessions.safe_return_to(form.get("return_to"))
    account = appliance.console_user(session.user)
    if account is None or account[0] != form.get("sudo_password", ""):
        return html_response(pages.sudo_page(session.csrf, return_to, [("error", "Incorrect password.")]))
    session.sudo_until = world.now() + sessions.SUDO_SECONDS
    return redirect(_url(appliance, return_to))


def logout(world, appliance, request, session):
    sessions.check_csrf(session, request)
    sessions.discard(appliance, session)
    return redirect(_url(appliance, "/login"))


def dashboard(world, appliance, request, session):
    return html_response(pages.dashboard_page(appliance, session.user, session.take_flashes()))


# -- GitHub Connect page ---------------------------------------------------------
def _connect_page_path(appliance):
    return pages.enterprise_path(appliance) + "/settings/dotcom_connection"


def connect_page(world, appliance, request, session):
    return html_response(pages.connect_page(appliance, session.csrf, session.take_flashes(),
                                            expired=world.handshake_expired(appliance, world.now())))


def connect_resume(world, appliance, request, session):
    """"Complete your GitHub Connect setup": a fresh hand-shake for the expired one (302 to GitHub.com). Needs sudo."""
    sessions.check_csrf(session, request)
    now = world.now()
    if not session.sudo_active(now):
        return html_response(pages.sudo_page(session.csrf, _connect_page_path(appliance)))
    if not world.handshake_expired(appliance, now):
        session.flash("error", "There is no expired GitHub Connect setup to complete.")
        return redirect(_url(appliance, _connect_page_path(appliance)))
    pending = appliance.pending
    return redirect(world.request_connect(appliance, pending["target"], pending["subdomain"], session.user, now))


def connect_submit(world, appliance, request, session):
    """Enable (302 to GitHub.com's authorization page) or, with _method=delete, disable. Needs sudo."""
    sessions.check_csrf(session, request)
    now = world.now()
    if not session.sudo_active(now):
        return html_response(pages.sudo_page(session.csrf, _connect_page_path(appliance)))
    form = request.form()
    n = pages.names(appliance)
    back = redirect(_url(appliance, _connect_page_path(appliance)))
    if form.get("_method", "").lower() == "delete":
        if not appliance.connected and not appliance.pending:
            session.flash("error", "GitHub Connect is not enabled.")
            return back
        world.disconnect(appliance, session.user, now)
        session.flash("notice", "GitHub Connect has been disabled.")
        return back
    if appliance.connected:
        session.flash("notice", "GitHub Connect is already enabled.")
        return back
    if appliance.pending:
        return redirect(appliance.pending["url"])
    targets = ["github_com"] + (["ghe_com"] if appliance.has(since=pages.GHE_COM_SINCE) else [])
    target = form.get(n["target_field"])
    subdomain = (form.get(n["subdomain_field"]) or "").strip().lower() or None
    error = None
    if target not in targets:
        error = "Choose where to connect: %s." % " or ".join(targets)
    elif target == "ghe_com" and (not subdomain or not subdomain.replace("-", "").isalnum()):
        error = "Enter the GHE.com subdomain of your enterprise."
    if error:
        return html_response(pages.connect_page(appliance, session.csrf, [("error", error)]), status=422)
    if not appliance.croquet_support:
        return html_response(pages.connect_page(appliance, session.csrf, [
            ("error", "Your license does not include GitHub Connect.")]))
    if appliance.air_gapped:
        host = "%s.ghe.com" % subdomain if target == "ghe_com" else "github.com"
        return html_response(pages.connect_page(appliance, session.csrf, [
            ("error", "Could not connect to %s: this instance cannot reach %s (connection timed out)."
             % (host, host))]))
    url = world.request_connect(appliance, target, subdomain, session.user, now)
    return redirect(url)


def license_sync_submit(world, appliance, request, session):
    sessions.check_csrf(session, request)
    form = request.form()
    n = pages.names(appliance)
    if form.get("_method", "put").lower() not in ("put", "patch"):
        raise HttpError(422, "unexpected _method")
    on_value, off_value = n["sync_values"]
    value = form.get(n["sync_field"])
    if value not in (on_value, off_value):
        return html_response(pages.unprocessable_page(), status=422)
    back = redirect(_url(appliance, _connect_page_path(appliance)))
    if not appliance.connected:
        session.flash("error", "GitHub Connect is not enabled.")
        return back
    world.set_license_sync(appliance, value == on_value, world.now())
    session.flash("notice", "License sync %s." % ("enabled" if value == on_value else "disabled"))
    return back


# -- License page ------------------------------------------------------------------
def _license_page_path(appliance):
    return pages.enterprise_path(appliance) + "/settings/license"


def license_page(world, appliance, request, session):
    record = world.ghec.sync_records.get(appliance.server_id) if appliance.connected_enterprise == world.ghec.slug \
        else None
    return html_response(pages.license_page(appliance, session.csrf, record["last_sync"] if record else None,
                                            session.take_flashes()))


def sync_now_submit(world, appliance, request, session):
    sessions.check_csrf(session, request)
    if not (appliance.connected and appliance.license_sync):
        session.flash("error", "License sync is not enabled.")
    else:
        world.schedule_sync(appliance)
        session.flash("notice", "Sync scheduled")
    return redirect(_url(appliance, _license_page_path(appliance)))


def export_usage(world, appliance, request, session):
    body = (json.dumps(appliance.usage_export(), indent=2) + "\n").encode("utf-8")
    filename = "license-usage-%s.json" % appliance.hostname
    return Response(200, body, [("Content-Type", "application/json"),
                                ("Content-Disposition", 'attachment; filename="%s"' % filename)])


def _routes(appliance):
    """(method, path) -> (handler, access) for this appliance's version and layout."""
    ent = pages.enterprise_path(appliance)
    n = pages.names(appliance)
    return {
        ("GET", "/login"): (login_page, None),
        ("POST", "/session"): (login_submit, None),
        ("GET", "/sessions/two-factor"): (two_factor_page, None),
        ("POST", "/sessions/two-factor"): (two_factor_submit, None),
        ("POST", "/sessions/sudo"): (sudo_submit, "user"),
        ("POST", "/logout"): (logout, "user"),
        ("GET", "/"): (dashboard, "user"),
        ("GET", ent + "/settings/dotcom_connection"): (connect_page, "admin"),
        ("POST", ent + "/settings/dotcom_connection"): (connect_submit, "admin"),
        ("POST", ent + n["resume_path"]): (connect_resume, "admin"),
        ("POST", pages.license_sync_path(appliance)): (license_sync_submit, "admin"),
        ("GET", ent + "/settings/license"): (license_page, "admin"),
        ("POST", ent + n["sync_now_path"]): (sync_now_submit, "admin"),
        ("GET", ent + n["export_path"]): (export_usage, "admin"),
    }


def handle(world, appliance, request):
    method = "GET" if request.method == "HEAD" else request.method
    session = sessions.current(appliance, request)
    route = _routes(appliance).get((method, request.path.rstrip("/") or "/"))
    if route is None:
        if request.path.startswith("/enterprises/") and (session is None or not session.user):
            return _login_redirect(appliance, request)
        return html_response(pages.not_found_page(), status=404)
    handler, access = route
    if access is not None:
        if session is None or not session.user:
            return _login_redirect(appliance, request)
        if access == "admin" and not session.site_admin:
            return html_response(pages.not_found_page(), status=404)
    try:
        return handler(world, appliance, request, session)
    except HttpError as exc:
        if exc.status == 422:
            return html_response(pages.unprocessable_page(), status=422)
        raise
