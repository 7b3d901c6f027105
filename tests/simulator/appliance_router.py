"""One appliance's port: management paths, then (unless in maintenance) REST and console."""
from . import appliance_manage, appliance_rest, appliance_setup_legacy, console_routes
from .console_pages import maintenance_page
from .httpmsg import html_response, json_response


def handle(world, appliance, request):
    path = request.path
    if path.startswith(appliance_manage.PREFIX + "/") or path == appliance_manage.PREFIX:
        return appliance_manage.handle(world, appliance, request)
    if path.startswith(appliance_setup_legacy.PREFIX + "/") or path == appliance_setup_legacy.PREFIX:
        return appliance_setup_legacy.handle(world, appliance, request)
    # web paths: the Manage API keeps working in maintenance, these do not
    if appliance.in_maintenance(world.now()) and "127.0.0.1" not in appliance.ip_exception_list:
        headers = [("Retry-After", "60")]
        if path.startswith(appliance_rest.PREFIX):
            headers.append(("X-GitHub-Enterprise-Version", appliance.version))
            return json_response({"message": "Server Error: GitHub Enterprise is in maintenance mode"}, 503,
                                 headers)
        return html_response(maintenance_page(appliance.maintenance_message), 503, headers)
    if path.startswith(appliance_rest.PREFIX + "/") or path == appliance_rest.PREFIX:
        return appliance_rest.handle(world, appliance, request)
    return console_routes.handle(world, appliance, request)
