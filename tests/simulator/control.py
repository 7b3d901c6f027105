"""The control API (/_control/..., JSON): what tests use to inspect and steer the world."""
from . import ghec_seats
from .clock import iso
from .httpmsg import HttpError, empty, json_response

PREFIX = "/_control"


def _body(request):
    body = request.json()
    if not isinstance(body, dict):
        raise HttpError(400, "a JSON object is expected")
    return body


def _appliance_action(world, appliance, action, request):
    now = world.now()
    if action == "approve":
        world.approve(appliance, _body(request).get("enterprise"), now)
    elif action == "reject":
        world.reject(appliance, now)
    elif action == "click":
        body = _body(request)
        if not isinstance(body.get("value"), bool):
            raise HttpError(400, "'value' must be true or false")
        world.click(appliance, body.get("switch"), body["value"], now)
    elif action == "restore":
        world.restore(appliance, now)
    elif action == "down":
        world.set_down(appliance, True)
    elif action == "up":
        world.set_down(appliance, False)
    elif action == "expire_session":
        appliance.sessions.clear()
    else:
        raise HttpError(404, "unknown action %r" % action)
    return json_response(world.appliance_view(appliance))


def _appliances(world, request, parts):
    method = request.method
    if len(parts) == 1 and method == "GET":
        return json_response([world.appliance_summary(a) for a in world.appliances.values()])
    appliance = world.appliance(parts[1])
    if len(parts) == 2:
        if method == "GET":
            return json_response(world.appliance_view(appliance))
        if method == "PATCH":
            world.patch(appliance, _body(request))
            return json_response(world.appliance_view(appliance))
    elif len(parts) == 3 and parts[2] == "requests":
        if method == "GET":
            return json_response(world.logs[appliance.name].view())
        if method == "DELETE":
            world.logs[appliance.name].clear()
            return empty(204)
    elif len(parts) == 3 and parts[2] == "shell" and method == "GET":
        from . import admin_shell
        return json_response(admin_shell.view(appliance, world.now()))
    elif len(parts) == 3 and parts[2] == "secrets" and method == "GET":
        return json_response({"secrets": appliance.secret_values(world.now())})
    elif len(parts) == 3 and method == "POST":
        return _appliance_action(world, appliance, parts[2], request)
    raise HttpError(405, "method not allowed")


def _ghec(world, request, parts):
    ghec = world.ghec
    if len(parts) == 1 and request.method == "GET":
        return json_response(ghec.view(world.logs["ghec"].counts()))
    if len(parts) == 1 and request.method == "PATCH":
        body = _body(request)
        unknown = set(body) - {"upload_result", "upload_processing_seconds", "extra_installations", "name",
                               "cloud_users", "seats_purchased", "seat_scenario", "seat_faults"}
        if unknown:
            raise HttpError(400, "unknown GHEC field(s): %s" % ", ".join(sorted(unknown)))
        if "upload_result" in body:
            if body["upload_result"] not in ("SUCCESS", "FAILURE", "PENDING_FOREVER"):
                raise HttpError(400, "upload_result must be SUCCESS, FAILURE or PENDING_FOREVER")
            ghec.upload_result = body["upload_result"]
        if "upload_processing_seconds" in body:
            ghec.upload_processing_seconds = float(body["upload_processing_seconds"])
        if "extra_installations" in body:
            ghec.set_extra_installations(int(body["extra_installations"]), world.now())
        if "name" in body:
            ghec.name = str(body["name"])
        if "cloud_users" in body:
            ghec.cloud_users = int(body["cloud_users"])
        if "seats_purchased" in body:
            ghec.seats_purchased = int(body["seats_purchased"])
        try:
            if "seat_scenario" in body:
                ghec.seat_scenario = ghec_seats.check_scenario(body["seat_scenario"])
            if "seat_faults" in body:
                ghec.seat_faults = ghec_seats.check_faults(body["seat_faults"])
        except ValueError as exc:
            raise HttpError(400, str(exc)) from exc
        return json_response(ghec.view(world.logs["ghec"].counts()))
    if len(parts) == 2 and parts[1] == "requests":
        if request.method == "GET":
            return json_response(world.logs["ghec"].view())
        if request.method == "DELETE":
            world.logs["ghec"].clear()
            return empty(204)
    raise HttpError(405, "method not allowed")


def _connections(world, request):
    """Connections accepted per host, and the most appliance connections open at once, since the last DELETE."""
    if request.method == "GET":
        opened = world.server.open_counts
        return json_response({
            "appliances": {name: world.connections[name] for name in world.appliances},
            "ghec": world.connections["ghec"],
            "open": {"appliances": opened["appliances"].view(), "ghec": opened["ghec"].view()},
        })
    if request.method == "DELETE":
        world.connections.clear()
        for count in world.server.open_counts.values():
            count.reset()
        return empty(204)
    raise HttpError(405, "method not allowed")


def _faults(world, request):
    if request.method == "POST":
        try:
            fault = world.faults.add(_body(request))
        except (TypeError, ValueError) as exc:
            raise HttpError(400, str(exc)) from exc
        return json_response({"id": fault.id, "fault": fault.view()}, 201)
    if request.method == "DELETE":
        world.faults.clear()
        return empty(204)
    if request.method == "GET":
        return json_response(world.faults.views())
    raise HttpError(405, "method not allowed")


def _clock(world, request, parts):
    if len(parts) == 1 and request.method == "GET":
        return json_response({"now": iso(world.now()), "epoch": world.now(), "offset_seconds": world.clock.offset})
    if parts[1:] == ["advance"] and request.method == "POST":
        seconds = _body(request).get("seconds")
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise HttpError(400, "'seconds' must be a non-negative number")
        weekly = world.advance(seconds)
        return json_response({"now": iso(world.now()), "epoch": world.now(), "offset_seconds": world.clock.offset,
                              "weekly_syncs": weekly})
    raise HttpError(405, "method not allowed")


def handle(world, info, request):
    if not request.path.startswith(PREFIX + "/"):
        raise HttpError(404, "the control API lives under /_control/")
    parts = request.path[len(PREFIX) + 1:].strip("/").split("/")
    with world.lock:
        world.clock.run_due()
        if parts[0] == "appliances":
            return _appliances(world, request, parts)
        if parts == ["requests"] and request.method == "GET":
            return json_response({"appliances": {name: world.logs[name].counts() for name in world.appliances},
                                  "ghec": world.logs["ghec"].counts()})
        if parts == ["requests"] and request.method == "DELETE":
            for log in world.logs.values():
                log.clear()
            return empty(204)
        if parts == ["connections"]:
            return _connections(world, request)
        if parts == ["faults"]:
            return _faults(world, request)
        if parts[0] == "ghec":
            return _ghec(world, request, parts)
        if parts[0] == "clock":
            return _clock(world, request, parts)
        if parts == ["info"] and request.method == "GET":
            return json_response(info())
    raise HttpError(404, "unknown control path %s" % request.path)
