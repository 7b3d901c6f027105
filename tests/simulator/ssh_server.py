"""A real SSH server per shell-enabled appliance (asyncssh), serving its administrative shell.

One asyncio event loop in a thread of the simulator process listens on 127.0.0.1 (an
ephemeral port per appliance), with a host key of its own per appliance, and accepts user
`admin` by public key only: the keys the Manage API `/manage/v1/access/ssh` stored
(`appliance.ssh_keys`), read at each sign-in. Each exec request is one command line,
answered by admin_shell.py from the same state the HTTP side serves, and logged in the
appliance's request log as method `SSH`, the command line as `path`, its exit code as
`status` and whether it writes. A fault whose `method` is `SSH` applies here: `latency`
sleeps before answering, `reset` carries the command out and then drops the connection
before its output is sent (so a client cannot tell whether a write landed).
"""
import asyncio
import os
import threading

import asyncssh

from . import admin_shell

KNOWN_HOSTS = "known_hosts"
ADMIN_USER = "admin"


def _key_matches(text, key):
    try:
        stored = asyncssh.import_public_key(str(text).strip())
    except (asyncssh.KeyImportError, ValueError):
        return False
    return stored.public_data == key.public_data


class _AdminServer(asyncssh.SSHServer):
    def __init__(self, world, appliance):
        self.world = world
        self.appliance = appliance

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return False

    def kbdint_auth_supported(self):
        return False

    def public_key_auth_supported(self):
        return True

    def validate_public_key(self, username, key):
        if username != ADMIN_USER:
            return False
        with self.world.lock:
            stored = list(self.appliance.ssh_keys)
        return any(_key_matches(text, key) for text in stored)


class SshEndpoints:
    """start(workdir) opens one listener per appliance with `admin_shell`; stop() closes them."""

    def __init__(self, world):
        self.world = world
        self.loop = None
        self.thread = None
        self.acceptors = []
        self.host_keys = {}
        self.known_hosts_path = None

    def _call(self, coroutine, timeout=60):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self, workdir):
        appliances = [a for a in self.world.appliances.values() if a.admin_shell]
        self.known_hosts_path = os.path.join(workdir, KNOWN_HOSTS)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sim-ssh", daemon=True)
        self.thread.start()
        lines = []
        for appliance in appliances:
            key = asyncssh.generate_private_key("ssh-ed25519", comment="%s host key" % appliance.name)
            self.host_keys[appliance.name] = key
            acceptor = self._call(self._listen(appliance, key))
            self.acceptors.append(acceptor)
            appliance.ssh_port = acceptor.get_port()
            public = key.export_public_key("openssh").decode("ascii").split()
            lines.append("[127.0.0.1]:%d %s %s\n" % (appliance.ssh_port, public[0], public[1]))
        fd = os.open(self.known_hosts_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write("".join(lines))
        return self

    async def _listen(self, appliance, key):
        async def process(proc):
            await self._serve(appliance, proc)
        return await asyncssh.listen(
            "127.0.0.1", 0, server_factory=lambda: _AdminServer(self.world, appliance),
            server_host_keys=[key], process_factory=process, encoding="utf-8",
            allow_scp=False, agent_forwarding=False, x11_forwarding=False, sftp_factory=None)

    async def _serve(self, appliance, proc):
        world = self.world
        command = proc.command
        argv = admin_shell.split(command) if command is not None else None
        write = admin_shell.classify(argv or []) == "write"
        with world.lock:
            fault = world.faults.take(appliance.name, "SSH", command or "")
        if fault is not None and fault.method != "SSH":
            fault = None
        if fault is not None and fault.latency:
            await asyncio.sleep(fault.latency)
        if command is None:
            code, out, err = 1, "", "This simulator serves commands only (ssh admin@HOST -p 122 COMMAND).\n"
        elif not argv:
            code, out, err = (0, "", "") if argv == [] else (2, "", "-bash: syntax error: unterminated quoted string\n")
        else:
            with world.lock:
                world.clock.run_due()
                code, out, err, write = admin_shell.run(world, appliance, argv)
            if code == "apply":
                code, out, err = await self._await_run(appliance, out)
        with world.lock:
            world.logs[appliance.name].add("SSH", command or "", code, write)
        if fault is not None and fault.reset:
            proc.get_extra_info("connection").abort()
            return
        if out:
            proc.stdout.write(out)
        if err:
            proc.stderr.write(err)
        proc.exit(code)

    async def _await_run(self, appliance, run_):
        waited = 0.0
        while waited < admin_shell.APPLY_LIMIT_SECONDS:
            with self.world.lock:
                self.world.clock.run_due()
                outcome = admin_shell.apply_outcome(self.world, appliance, run_, self.world.now())
            if outcome is not None:
                return outcome
            await asyncio.sleep(admin_shell.APPLY_POLL_SECONDS)
            waited += admin_shell.APPLY_POLL_SECONDS
        return 1, "", "ERROR: configuration run %s did not finish\n" % run_.run_id

    def stop(self):
        if self.loop is None:
            return

        async def close():
            for acceptor in self.acceptors:
                acceptor.close()
            for acceptor in self.acceptors:
                await acceptor.wait_closed()
        try:
            self._call(close(), timeout=10)
        except Exception:  # pylint: disable=broad-except
            pass  # stopping anyway
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
        self.loop = None
