"""The legacy Management Console API, /setup/api (docs/interfaces.md §2): GHES <= 3.14 only.

On 3.9 - 3.11 it is the only way to start and watch a configuration run.
"""
import hmac
import json

from . import appliance_manage
from .httpmsg import HttpError, empty, json_response

PREFIX = "/setup/api"
LAST_VERSION = "3.14"


def _auth(appliance, request):
    """Basic api_key:PASSWORD, or the ?api_key=PASSWORD query form the real API also takes."""
    credentials = request.basic_auth()
    password = credentials[1] if credentials and credentials[0] == "api_key" else request.arg("api_key")
    if password is None or not hmac.compare_digest(password, appliance.manage_password):
        raise HttpError(401, "Bad credentials", [("WWW-Authenticate", 'Basic realm="Management Console"')])


def _form_json(request, field):
    raw = request.form().get(field)
    if raw is None:
        raise HttpError(400, "form field '%s' is required" % field)
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise HttpError(400, "form field '%s' must hold JSON" % field) from exc


def get_configcheck(world, appliance, request):
    return json_response(appliance.latest_run().progress(world.now()))


def post_configure(world, appliance, request):
    appliance_manage.start_config_run(world, appliance, None, "setup_api")
    return empty(202)


def _maintenance(world, appliance, request):
    node = appliance_manage.maintenance_view(world, appliance, request)[0]
    return json_response({"status": node["status"], "scheduled_time": node["scheduled_time"],
                          "connection_services": node["connection_services"]})


def get_maintenance(world, appliance, request):
    return _maintenance(world, appliance, request)


def post_maintenance(world, appliance, request):
    appliance_manage.set_maintenance(world, appliance, _form_json(request, "maintenance"))
    return _maintenance(world, appliance, request)


def get_settings(world, appliance, request):
    return json_response({"enterprise": appliance.settings(world.now()),
                          "run_list": ["recipe[enterprise-configure]"]})


def put_settings(world, appliance, request):
    change = _form_json(request, "settings")
    if not isinstance(change, dict) or not isinstance(change.get("enterprise"), dict):
        raise HttpError(400, "settings must be {\"enterprise\": {...}}")
    appliance_manage.merge_settings(appliance.settings(world.now()), change["enterprise"])
    return empty(204)


ROUTES = {
    ("GET", "/configcheck"): get_configcheck,
    ("POST", "/configure"): post_configure,
    ("GET", "/maintenance"): get_maintenance,
    ("POST", "/maintenance"): post_maintenance,
    ("GET", "/settings"): get_settings,
    ("PUT", "/settings"): put_settings,
}


def handle(world, appliance, request):
    if not appliance.has(until=LAST_VERSION):
        raise HttpError(404, "Not Found")
    path = request.path[len(PREFIX):].rstrip("/") or "/"
    handler = ROUTES.get(("GET" if request.method == "HEAD" else request.method, path))
    if handler is None:
        raise HttpError(404, "Not Found")
    _auth(appliance, request)
    return handler(world, appliance, request)
