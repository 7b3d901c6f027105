"""GHES REST, /api/v3 (docs/interfaces.md §3): site-admin token, X-GitHub-Enterprise-Version everywhere."""
import datetime
import hmac

from .appliance import DAY
from .httpmsg import HttpError, error_response, json_response

PREFIX = "/api/v3"
ADMIN_SCOPES = "admin:enterprise, read:audit_log, site_admin"


def _docs(appliance):
    return "https://docs.github.com/enterprise-server@%d.%d/rest" % appliance.minor


def _user(appliance, request, required=True):
    """'admin', 'user' or None (anonymous). Unknown tokens are 401; non-admins get 404 where it matters."""
    token = request.token()
    if token is None:
        if required:
            raise HttpError(401, "Requires authentication",
                            body={"message": "Requires authentication", "documentation_url": _docs(appliance)})
        return None
    if hmac.compare_digest(token, appliance.token):
        return "admin"
    if hmac.compare_digest(token, appliance.nonadmin_token):
        return "user"
    raise HttpError(401, "Bad credentials", body={"message": "Bad credentials", "documentation_url": _docs(appliance)})


def _site_admin(appliance, request):
    if _user(appliance, request) != "admin":
        raise HttpError(404, "Not Found", body={"message": "Not Found", "documentation_url": _docs(appliance)})


def get_meta(world, appliance, request):
    _user(appliance, request, required=False)
    return json_response({"verifiable_password_authentication": True, "installed_version": appliance.version})


def get_user(world, appliance, request):
    user = _user(appliance, request)
    login = appliance.console_username if user == "admin" else appliance.nonadmin_console_username
    return json_response({"login": login, "id": 1 if user == "admin" else 2, "type": "User",
                          "site_admin": user == "admin"})


def get_license(world, appliance, request):
    _site_admin(appliance, request)
    now = world.now()
    expire = datetime.datetime.fromtimestamp(appliance.license_expire_at, datetime.timezone.utc)
    if appliance.unlimited_seating:
        seats = seats_available = "unlimited"
    else:
        seats, seats_available = appliance.seats, max(0, appliance.seats - appliance.seats_used)
    return json_response({"seats": seats, "seats_used": appliance.seats_used, "seats_available": seats_available,
                          "kind": "standard",
                          "days_until_expiration": max(0, int((appliance.license_expire_at - now) // DAY)),
                          "expire_at": expire.strftime("%Y/%m/%d %H:%M:%S -0000")})


def get_audit_log(world, appliance, request, enterprise):
    _site_admin(appliance, request)
    if enterprise != appliance.enterprise_slug:
        raise HttpError(404, "Not Found", body={"message": "Not Found", "documentation_url": _docs(appliance)})
    events = list(appliance.audit_log)
    for term in (request.arg("phrase") or "").split():
        key, _sep, value = term.partition(":")
        if key == "action" and value:
            events = [e for e in events if e["action"] == value or e["action"].startswith(value + ".")]
        elif key == "actor" and value:
            events = [e for e in events if e["actor"] == value]
    if request.arg("order", "desc") != "asc":
        events.reverse()
    try:
        per_page = max(1, min(100, int(request.arg("per_page", "30"))))
        page = max(1, int(request.arg("page", "1")))
    except ValueError as exc:
        raise HttpError(422, "per_page and page must be numbers") from exc
    return json_response(events[(page - 1) * per_page:page * per_page])


def _route(world, appliance, request):
    path = request.path[len(PREFIX):].rstrip("/") or "/"
    parts = path.strip("/").split("/")
    if request.method not in ("GET", "HEAD"):
        raise HttpError(404, "Not Found")
    if path == "/meta":
        return get_meta(world, appliance, request)
    if path == "/user":
        return get_user(world, appliance, request)
    if path == "/enterprise/settings/license":
        return get_license(world, appliance, request)
    if len(parts) == 3 and parts[0] == "enterprises" and parts[2] == "audit-log":
        return get_audit_log(world, appliance, request, parts[1])
    _user(appliance, request)
    raise HttpError(404, "Not Found", body={"message": "Not Found", "documentation_url": _docs(appliance)})


def handle(world, appliance, request):
    try:
        response = _route(world, appliance, request)
    except HttpError as exc:
        response = error_response(exc)
    response.header("X-GitHub-Enterprise-Version", appliance.version)
    response.header("X-GitHub-Media-Type", "github.v3; format=json")
    if request.token() and response.status != 401:
        token = request.token()
        response.header("X-OAuth-Scopes", ADMIN_SCOPES if hmac.compare_digest(token, appliance.token) else "repo")
    return response
