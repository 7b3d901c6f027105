"""The files a playbook or a test needs: inventory.yml and simulator.json."""
import json
import os


def ghec_token(world):
    """The inventory's ghec_token: the first owner token that can read the enterprise."""
    tokens = list(world.ghec.tokens.values())
    for token in tokens:
        if token.owner and token.can_read_enterprise():
            return token.value
    return tokens[0].value if tokens else None


def appliance_info(appliance):
    info = {"url": appliance.url, "manage_url": appliance.url, "port": appliance.port,
            "version": appliance.version, "hostname": appliance.hostname, "server_id": appliance.server_id,
            "enterprise_slug": appliance.enterprise_slug, "manage_password": appliance.manage_password,
            "token": appliance.token, "nonadmin_token": appliance.nonadmin_token,
            "console_username": appliance.console_username, "console_password": appliance.console_password,
            "nonadmin_console_username": appliance.nonadmin_console_username,
            "nonadmin_console_password": appliance.nonadmin_console_password}
    if appliance.two_factor:
        info["totp_secret"] = appliance.totp_secret
    if appliance.admin_shell:
        info["ssh_port"] = appliance.ssh_port
    return info


def simulator_info(world, control_url, ca_path, inventory_path, workdir):
    return {
        "control_url": control_url, "ghec_url": world.ghec_url, "ghec_web_url": world.ghec_web_url,
        "ca_path": ca_path, "inventory_path": inventory_path, "workdir": workdir, "pid": os.getpid(),
        "enterprise": {"slug": world.ghec.slug, "name": world.ghec.name},
        "ghec_token": ghec_token(world),
        "ghec_tokens": {token.name: token.value for token in world.ghec.tokens.values()},
        "ghec_sessions": list(world.ghec.sessions),
        "appliances": {name: appliance_info(a) for name, a in world.appliances.items()},
    }


def shell_host_vars(world, appliance, known_hosts):
    """The connection variables of an appliance reached over its admin shell: Ansible's own ssh
    connection, host key checking on against the simulator's known_hosts, no other key than the spec's."""
    host = {"ansible_connection": "ansible.builtin.ssh", "ansible_host": "127.0.0.1",
            "ansible_port": appliance.ssh_port, "ansible_user": "admin",
            "ansible_ssh_host_key_checking": True,
            "ansible_ssh_common_args": "-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes "
                                       "-o IdentitiesOnly=yes -o BatchMode=yes" % known_hosts}
    if world.spec.get("ssh_client_key"):
        host["ansible_ssh_private_key_file"] = world.spec["ssh_client_key"]
    return host


def inventory(world, control_url, ca_path, known_hosts=None):
    hosts = {}
    for name, a in world.appliances.items():
        host = {"ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "ghes_url": a.url, "ghes_manage_url": a.url, "ghes_manage_password": a.manage_password,
                "ghes_token": a.token, "ghes_console_username": a.console_username,
                "ghes_console_password": a.console_password, "ghes_enterprise_slug": a.enterprise_slug,
                "ghes_ca_path": ca_path}
        # Real inventories name the address (an IP, a load balancer), not the host name GHEC knows:
        # the collection must read the appliance's configured name. A test hands one over explicitly.
        if a.inventory_hostname or world.spec.get("inventory_hostnames"):
            host["ghes_hostname"] = a.inventory_hostname or a.hostname
        if a.two_factor:
            host["ghes_console_totp_secret"] = a.totp_secret
        if a.admin_shell:
            host.update(shell_host_vars(world, a, known_hosts))
        hosts[name] = host
    return {"all": {
        "vars": {"ghec_url": world.ghec_url, "ghec_web_url": world.ghec_web_url, "ghec_token": ghec_token(world),
                 "ghec_enterprise": world.ghec.slug, "ghec_ca_path": ca_path,
                 "ghec_session": world.ghec.sessions[0] if world.ghec.sessions else None,
                 "sim_control_url": control_url},
        "children": {"ghes": {"hosts": hosts}},
    }}


def _write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def write(world, control_url, ca_path, workdir, known_hosts=None):
    """Write both files (mode 0600: they hold the secrets); returns the simulator.json dict."""
    import yaml      # PyYAML comes with ansible-core
    inventory_path = os.path.join(workdir, "inventory.yml")
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    _write_private(inventory_path, yaml.dump(inventory(world, control_url, ca_path, known_hosts), Dumper=dumper,
                                             default_flow_style=False, sort_keys=False))
    info = simulator_info(world, control_url, ca_path, inventory_path, workdir)
    info["known_hosts_path"] = known_hosts
    _write_private(os.path.join(workdir, "simulator.json"), json.dumps(info, indent=2))
    return info
