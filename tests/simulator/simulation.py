"""`Simulator`: build the world, open every port, write the files, serve until stopped."""
import functools
import os
import resource

from . import appliance_router, control, ghec_rest, ghec_web, inventory, tls
from .httpmsg import HttpError, error_response
from .requestlog import appliance_write, ghec_write
from .server import HttpServer
from .world import World

APPLIANCES = "appliances"      # the listener group whose open connections GET /_control/connections counts


def _raise_fd_limit():
    """1,000 listening sockets plus their connections need more than the usual 1,024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Simulator:
    """Simulator(spec, workdir).start() ... .stop(); spec: dict or path to .json/.yml."""

    def __init__(self, spec, workdir, workers=64):
        self.spec = spec
        self.workdir = os.path.abspath(workdir)
        self.workers = workers
        self.world = None
        self.server = None
        self.ssh = None
        self.info = None
        self.control_url = self.ghec_url = self.ghec_web_url = None
        self.ca_path = self.inventory_path = None

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        _raise_fd_limit()
        paths = tls.generate(self.workdir)
        world = self.world = World(self.spec)
        server = self.server = HttpServer(tls.server_context(paths), workers=self.workers)
        world.server = server

        def ghec_handler(request):
            if request.path == ghec_web.PREFIX or request.path.startswith(ghec_web.PREFIX + "/"):
                return ghec_web.handle(world, request)
            return ghec_rest.handle(world, request)

        ghec_port = server.add_listener("ghec", world.service("ghec", ghec_handler, ghec_write),
                                        rtt=world.ghec_rtt_ms / 1000.0,
                                        on_connect=functools.partial(world.count_connection, "ghec")).port
        world.ghec_url = "https://127.0.0.1:%d" % ghec_port
        world.ghec_web_url = world.ghec_url + ghec_web.PREFIX
        for name, appliance in world.appliances.items():
            def handler(request, appliance=appliance):
                return appliance_router.handle(world, appliance, request)
            listener = server.add_listener(name, world.service(name, handler, appliance_write),
                                           rtt=appliance.rtt_ms / 1000.0, group=APPLIANCES,
                                           on_connect=functools.partial(world.count_connection, name))
            appliance.port = listener.port
            appliance.url = "https://127.0.0.1:%d" % listener.port

        def control_service(request):
            try:
                return control.handle(world, lambda: self.info, request)
            except HttpError as exc:
                return error_response(exc)

        control_port = server.add_listener("_control", control_service).port
        self.control_url = "https://127.0.0.1:%d" % control_port
        self.ghec_url, self.ghec_web_url, self.ca_path = world.ghec_url, world.ghec_web_url, paths["ca.pem"]
        for appliance in world.appliances.values():
            if appliance.down:
                world.set_down(appliance, True)
        server.start()
        known_hosts = None
        if any(appliance.admin_shell for appliance in world.appliances.values()):
            from .ssh_server import SshEndpoints      # asyncssh is imported only by fleets that use it
            self.ssh = SshEndpoints(world).start(self.workdir)
            known_hosts = self.ssh.known_hosts_path
        self.info = inventory.write(world, self.control_url, self.ca_path, self.workdir, known_hosts=known_hosts)
        self.inventory_path = self.info["inventory_path"]
        return self

    def stop(self):
        if self.ssh is not None:
            self.ssh.stop()
            self.ssh = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    def control(self):
        """A control_client.Control for this simulator (needs `requests`)."""
        from .control_client import Control
        return Control(self.control_url, self.ca_path)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
