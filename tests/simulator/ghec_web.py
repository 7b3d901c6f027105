"""GitHub.com web pages under /web: the enterprise licensing page with "Add server usage"
(multipart upload), and the Connect authorization page (for people; the control API approves).
A web session is the `user_session` cookie, one of the spec's `ghec_sessions`."""
import hmac
import urllib.parse

from .clock import iso
from .console_pages import page
from .httpmsg import escape, html_response, redirect

PREFIX = "/web"
COOKIE = "user_session"


def _session(ghec, request):
    value = request.cookies().get(COOKIE)
    return value if value and value in ghec.sessions else None


def _login_redirect(world, request):
    return redirect("%s/login?%s" % (world.ghec_web_url, urllib.parse.urlencode({"return_to": request.target})))


def login_page(world, request, session):
    return html_response(page("Sign in to GitHub", "<h1>Sign in to GitHub</h1>"
                              "<p>Signing in cannot be scripted (two-factor authentication, device verification). "
                              "Sign in with a browser and give the collection the <code>user_session</code> cookie "
                              "(option <code>ghec_session</code>).</p>"))


def license_page(world, request, session, slug, flashes=(), status=200):
    ghec = world.ghec
    rows = "".join('<tr data-upload-name="%s" data-sync-state="%s"><td>%s</td><td>%s</td><td>%s</td></tr>\n'
                   % (escape(u.name), u.sync_state, escape(u.name), u.sync_state, iso(u.created_at))
                   for u in reversed(ghec.uploads[-20:]))
    body = """<h1>%s · Enterprise licensing</h1>
<section class="server-usage">
<h2>Add server usage</h2>
<form action="%s/enterprises/%s/settings/license/server_usage" method="post" enctype="multipart/form-data" accept-charset="UTF-8">
<input type="hidden" name="authenticity_token" value="%s">
<label for="usage_file">License usage file (JSON)</label>
<input type="file" name="usage_file" id="usage_file" accept=".json,application/json">
<button type="submit">Upload</button>
</form>
</section>
<table class="uploads"><tr><th>File</th><th>State</th><th>Uploaded</th></tr>
%s</table>""" % (escape(ghec.name), PREFIX, escape(slug), ghec.csrf_token(session), rows)
    return html_response(page("Enterprise licensing", body, flashes), status)


def upload(world, request, session, slug):
    ghec = world.ghec
    if not hmac.compare_digest(request.form().get("authenticity_token", ""), ghec.csrf_token(session)):
        return html_response(page("Unprocessable", "<h1>422</h1><p>The change you wanted was rejected.</p>"), 422)
    fields = request.multipart() if request.header("content-type", "").startswith("multipart/form-data") else {}
    filename, content = fields.get("usage_file", (None, None))
    if content is None or filename is None:
        return license_page(world, request, session, slug, [("error", "Choose a license usage file to upload.")],
                            status=400)
    world.upload_usage(filename, content, world.now())
    return redirect("%s/enterprises/%s/settings/license" % (world.ghec_web_url, slug))


def authorize_page(world, request, session):
    request_id = request.arg("request")
    pending = [a for a in world.appliances.values() if a.pending and a.pending["id"] == request_id]
    if not pending:
        return html_response(page("Not found", "<h1>404</h1>"), 404)
    appliance = pending[0]
    body = """<h1>Authorize GitHub Connect</h1>
<p>The GitHub Enterprise Server instance <strong>%s</strong> asks to connect to an enterprise account.</p>
<p>An owner of the enterprise approves this request here (in the simulator: POST
/_control/appliances/%s/approve).</p>""" % (escape(appliance.hostname), escape(appliance.name))
    return html_response(page("Authorize GitHub Connect", body))


def handle(world, request):
    path = request.path[len(PREFIX):].rstrip("/") or "/"
    method = "GET" if request.method == "HEAD" else request.method
    if method == "GET" and path == "/login":
        return login_page(world, request, None)
    session = _session(world.ghec, request)
    if session is None:
        return _login_redirect(world, request)
    parts = path.strip("/").split("/")
    if method == "GET" and path == "/enterprise_connect/authorize":
        return authorize_page(world, request, session)
    if len(parts) >= 4 and parts[0] == "enterprises" and parts[2:4] == ["settings", "license"]:
        if parts[1] != world.ghec.slug:
            return html_response(page("Not found", "<h1>404</h1>"), 404)
        if method == "GET" and len(parts) == 4:
            return license_page(world, request, session, parts[1])
        if method == "POST" and parts[4:] == ["server_usage"]:
            return upload(world, request, session, parts[1])
    return html_response(page("Not found", "<h1>404</h1>"), 404)
