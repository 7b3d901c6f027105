"""The Manage GHES API, /manage/v1 (docs/interfaces.md §1), with per-version endpoints."""
import base64
import hashlib
import hmac
import json

from .clock import iso, parse_iso
from .httpmsg import HttpError, empty, json_response

PREFIX = "/manage/v1"


def _auth(appliance, request):
    """Basic api_key:PASSWORD only; the ?api_key= form is a legacy /setup/api habit and gets 401 here."""
    credentials = request.basic_auth()
    if credentials is None or credentials[0] != "api_key" \
            or not hmac.compare_digest(credentials[1], appliance.manage_password):
        raise HttpError(401, "Unauthorized", [("WWW-Authenticate", 'Basic realm="Management Console"')])


def _nodes(appliance, request):
    """Nodes, filtered by the optional uuid and cluster_roles query parameters."""
    nodes = appliance.nodes
    uuid = request.arg("uuid")
    if uuid:
        nodes = [node for node in nodes if node["uuid"] == uuid]
    roles = request.arg("cluster_roles")
    if roles:
        wanted = {role.strip() for role in roles.split(",") if role.strip()}
        nodes = [node for node in nodes if wanted & set(node["cluster_roles"])]
    return nodes


def get_version(world, appliance, request):
    return json_response([{"hostname": node["hostname"],
                           "version": {"version": appliance.version, "platform": appliance.platform,
                                       "build_id": appliance.build_id, "build_date": appliance.build_date}}
                          for node in _nodes(appliance, request)])


def _status(appliance, request, details):
    nodes = [{"hostname": node["hostname"], "status": "OK",
              "services": [{"status": "OK", "name": name, "details": details(node, name)}
                           for name in ("mysql", "redis", "elasticsearch", "git", "pages", "storage")]}
             for node in _nodes(appliance, request)]
    return json_response({"status": "OK", "nodes": nodes})


def get_replication_status(world, appliance, request):
    return _status(appliance, request,
                   lambda node, name: "replica in sync" if node["replica"] else "primary")


def get_cluster_status(world, appliance, request):
    return _status(appliance, request, lambda node, name: "%s is running" % name)


def get_nodes(world, appliance, request):
    return json_response({"topology": appliance.topology, "nodes": _nodes(appliance, request)})


def maintenance_view(world, appliance, request):
    now = world.now()
    status = "on" if appliance.in_maintenance(now) else appliance.maintenance_status
    scheduled = iso(appliance.maintenance_scheduled) if appliance.maintenance_scheduled else None
    return [{"hostname": node["hostname"], "uuid": node["uuid"], "status": status, "scheduled_time": scheduled,
             "connection_services": [{"name": "git operations", "number": 0},
                                     {"name": "mysql", "number": 0},
                                     {"name": "resque", "number": 0}],
             "can_unset_maintenance": True, "ip_exception_list": list(appliance.ip_exception_list),
             "maintenance_mode_message": appliance.maintenance_message}
            for node in _nodes(appliance, request)]


def get_maintenance(world, appliance, request):
    return json_response(maintenance_view(world, appliance, request))


def set_maintenance(world, appliance, change):
    """Apply {"enabled", "when", "ip_exception_list"?, "maintenance_mode_message"?}; returns a message."""
    if not isinstance(change, dict) or not isinstance(change.get("enabled"), bool):
        raise HttpError(400, "'enabled' (true or false) is required")
    now = world.now()
    when = change.get("when", "now") or "now"
    if "ip_exception_list" in change:
        appliance.ip_exception_list = list(change["ip_exception_list"] or [])
    if "maintenance_mode_message" in change:
        appliance.maintenance_message = str(change["maintenance_mode_message"] or "")
    if not change["enabled"]:
        appliance.maintenance_status, appliance.maintenance_scheduled = "off", None
        return "maintenance mode disabled"
    if when == "now":
        appliance.maintenance_status, appliance.maintenance_scheduled = "on", None
        return "maintenance mode enabled"
    try:
        at = parse_iso(str(when))
    except ValueError as exc:
        raise HttpError(400, "'when' must be 'now' or an ISO-8601 time") from exc
    if at <= now:
        appliance.maintenance_status, appliance.maintenance_scheduled = "on", None
        return "maintenance mode enabled"
    appliance.maintenance_status, appliance.maintenance_scheduled = "scheduled", at
    return "maintenance mode scheduled for %s" % iso(at)


def post_maintenance(world, appliance, request):
    if request.header("content-type", "").startswith("application/x-www-form-urlencoded"):
        try:
            change = json.loads(request.form().get("maintenance", ""))
        except ValueError as exc:
            raise HttpError(400, "maintenance must be JSON") from exc
    else:
        change = request.json()
    nodes = _nodes(appliance, request)
    message = set_maintenance(world, appliance, change)
    return json_response([{"hostname": node["hostname"], "uuid": node["uuid"], "message": message}
                          for node in nodes])


def get_settings(world, appliance, request):
    return json_response(appliance.settings(world.now()))


def merge_settings(settings, change):
    """Top-level keys only, each must exist; nested objects are merged, other values replaced."""
    if not isinstance(change, dict) or not change:
        raise HttpError(400, "a JSON object with the settings to change is required")
    unknown = [key for key in change if key not in settings]
    if unknown:
        raise HttpError(400, "Invalid setting key(s): %s" % ", ".join(sorted(unknown)))
    for key, value in change.items():
        if key in ("configuration_id", "configuration_run_count"):
            continue
        if isinstance(settings[key], dict) and isinstance(value, dict):
            settings[key].update(value)
        else:
            settings[key] = value


def put_settings(world, appliance, request):
    merge_settings(appliance.settings(world.now()), request.json())
    return empty(204)


def get_license(world, appliance, request):
    return json_response(appliance.license_object())


def put_license(world, appliance, request):
    if not request.header("content-type", "").startswith("multipart/form-data") \
            or "license" not in request.multipart():
        raise HttpError(400, "multipart field 'license' (the .ghl file) is required")
    appliance.license_uploads += 1
    return empty(202 if request.arg("apply") == "true" else 201)


def get_license_check(world, appliance, request):
    return json_response({"status": appliance.license_status})


def post_init(world, appliance, request):
    raise HttpError(400, "The appliance is already configured")


def start_config_run(world, appliance, run_id, source):
    now = world.now()
    if appliance.latest_run().running(now):
        raise HttpError(409, "A configuration run is already in progress")
    return appliance.start_run(run_id, now, source)


def post_apply(world, appliance, request):
    body = request.json()
    run_id = body.get("run_id") if isinstance(body, dict) else None
    run = start_config_run(world, appliance, run_id, "manage")
    return json_response({"run_id": run.run_id})


def _run(appliance, request):
    run_id = request.arg("run_id")
    run = appliance.find_run(run_id) if run_id else appliance.latest_run()
    if run is None:
        raise HttpError(404, "No configuration run with run_id %s" % run_id)
    return run


def get_apply(world, appliance, request):
    return json_response(_run(appliance, request).status(world.now()))


def get_apply_events(world, appliance, request):
    run = appliance.latest_run()
    last = request.arg("last_request_id")
    now = world.now()
    nodes = []
    for index, node in enumerate(appliance.nodes):
        events = run.events(now, node["hostname"], index)
        ids = [event["request_id"] for event in events]
        if last in ids:
            events = events[ids.index(last) + 1:]
        nodes.append({"node": node["hostname"], "last_request_id": events[-1]["request_id"] if events else last,
                      "events": events})
    return json_response({"nodes": nodes})


def get_system_requirements(world, appliance, request):
    return json_response({"status": "OK", "nodes": [
        {"hostname": node["hostname"], "status": "OK",
         "roles_status": [{"status": "OK", "role": role} for role in node["cluster_roles"]]}
        for node in _nodes(appliance, request)]})


def _ssh_result(appliance, message, modified):
    return json_response([{"hostname": node["hostname"], "uuid": node["uuid"], "message": message,
                           "modified": modified} for node in appliance.nodes])


def _fingerprint(key):
    try:
        blob = base64.b64decode(key.split()[1])
    except (IndexError, ValueError):
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def _ssh_body(request):
    """The documented JSON body; GitHub says to send Content-Type: application/json (3.14 refuses it otherwise)."""
    if not request.header("content-type", "").startswith("application/json"):
        raise HttpError(415, "Content-Type must be application/json")
    body = request.json()
    if not isinstance(body, dict):
        raise HttpError(400, "a JSON object with 'key' is required")
    return body


def get_ssh(world, appliance, request):
    return json_response([{"key": key, "fingerprint": _fingerprint(key)} for key in appliance.ssh_keys])


def post_ssh(world, appliance, request):
    key = _ssh_body(request).get("key")
    if not key:
        raise HttpError(400, "'key' is required")
    if not isinstance(key, str) or _fingerprint(key) is None:
        raise HttpError(400, "Invalid SSH public key")
    if key in appliance.ssh_keys:
        return _ssh_result(appliance, "SSH key already exists", False)
    appliance.ssh_keys.append(key)
    return _ssh_result(appliance, "SSH key added successfully", True)


def delete_ssh(world, appliance, request):
    key = _ssh_body(request).get("key")
    if key not in appliance.ssh_keys:
        return _ssh_result(appliance, "SSH key not found", False)
    appliance.ssh_keys.remove(key)
    return _ssh_result(appliance, "SSH key removed successfully", True)


# (method, path below /manage/v1) -> (first version that has it, handler)
ROUTES = {
    ("GET", "/version"): ("3.9", get_version),
    ("GET", "/replication/status"): ("3.9", get_replication_status),
    ("GET", "/config/nodes"): ("3.10", get_nodes),
    ("GET", "/maintenance"): ("3.10", get_maintenance),
    ("POST", "/maintenance"): ("3.10", post_maintenance),
    ("GET", "/config/settings"): ("3.12", get_settings),
    ("PUT", "/config/settings"): ("3.12", put_settings),
    ("GET", "/config/license"): ("3.12", get_license),
    ("PUT", "/config/license"): ("3.12", put_license),
    ("GET", "/config/license/check"): ("3.12", get_license_check),
    ("POST", "/config/init"): ("3.12", post_init),
    ("GET", "/config/apply"): ("3.12", get_apply),
    ("POST", "/config/apply"): ("3.12", post_apply),
    ("GET", "/config/apply/events"): ("3.12", get_apply_events),
    ("GET", "/cluster/status"): ("3.12", get_cluster_status),
    ("GET", "/checks/system-requirements"): ("3.12", get_system_requirements),
    ("GET", "/access/ssh"): ("3.12", get_ssh),
    ("POST", "/access/ssh"): ("3.12", post_ssh),
    ("DELETE", "/access/ssh"): ("3.12", delete_ssh),
}


def handle(world, appliance, request):
    path = request.path[len(PREFIX):].rstrip("/") or "/"
    method = "GET" if request.method == "HEAD" else request.method
    route = ROUTES.get((method, path))
    if route is None or not appliance.has(since=route[0]):
        raise HttpError(404, "Not Found")
    _auth(appliance, request)
    return route[1](world, appliance, request)
