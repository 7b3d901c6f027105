"""The administrative shell's `ghe-*` commands, served from the same appliance state as HTTP.

ssh_server.py hands every exec request here as one command line; this module parses it
like a shell would split words (no pipes, no `;`: those end up in a word and the command
is not found) and answers `(exit_code, stdout, stderr, write)`. Release gating follows
docs/interfaces.md §5: `ghe-license` from 3.13, `ghe-license-usage` up to 3.12; a command an
appliance does not have answers like bash does (exit 127).

The outputs of `ghe-version` and `ghe-maintenance -q` are our model (GitHub documents the
commands, not their exact text); `ghe-license usage -y -o` prints the usage JSON of
shared/samples/license-usage-export.json's shape.
"""
import json
import secrets
import shlex

from .clock import iso

# ghe-config keys the appliance starts with (besides the ones derived from its state).
GHE_COM_ENABLED = "app.github.github-connect-ghe-com-enabled"
GHE_COM_SUBDOMAIN = "app.github.github-connect-ghe-com-subdomain"
APPLY_POLL_SECONDS = 0.05
APPLY_LIMIT_SECONDS = 600.0


def _base_config(appliance):
    return {"core.github-hostname": appliance.hostname, "core.http-only": "false"}


def config_now(appliance):
    """Every ghe-config key as set now (written, not necessarily applied)."""
    values = _base_config(appliance)
    for _when, key, value in appliance.ghe_config_writes:
        values[key] = value
    return values


def config_applied(appliance, now):
    """The keys as of the start of the latest successful configuration run: what the appliance runs with."""
    done = [run for run in appliance.config_runs if run.successful(now)]
    values = _base_config(appliance)
    if not done:
        return values
    cutoff = done[-1].started
    for when, key, value in appliance.ghe_config_writes:
        if when <= cutoff:
            values[key] = value
    return values


def _not_found(name):
    return 127, "", "-bash: %s: command not found\n" % name, False


def _usage(text):
    return 1, "", "Usage: %s\n" % text, False


def classify(argv):
    """'write' or 'read' for a command line (a refused write still counts as a write)."""
    if not argv:
        return "read"
    if argv[0] == "ghe-config" and len(argv) == 3 and not argv[1].startswith("-"):
        return "write"
    if argv[0] == "ghe-config" and len(argv) >= 2 and argv[1] in ("--unset", "-u"):
        return "write"
    if argv[0] == "ghe-config-apply":
        return "write"
    if argv[0] == "ghe-maintenance" and any(a in ("-s", "-u") for a in argv[1:]):
        return "write"
    return "read"


def split(command):
    try:
        return shlex.split(command or "")
    except ValueError:
        return None


def run(world, appliance, argv):
    """Answer one command (under world.lock). ghe-config-apply only starts its run here:
    ssh_server waits for it (see `apply_outcome`)."""
    now = world.now()
    name = argv[0]
    broken = appliance.shell_broken.get(name)
    if broken == "missing":
        return _not_found(name)
    if broken == "garbage":
        return 0, "Exporting license usage...\nWrote /home/admin/license-usage.json\n", "", classify(argv) == "write"
    if name == "ghe-config":
        return _ghe_config(world, appliance, argv[1:], now)
    if name == "ghe-config-apply":
        from .appliance_manage import start_config_run
        from .httpmsg import HttpError
        try:
            run_ = start_config_run(world, appliance, "shell-" + secrets.token_hex(3), "shell")
        except HttpError as exc:
            return 1, "", "ERROR: %s\n" % exc.message, True
        return "apply", run_, "", True
    if name == "ghe-maintenance":
        if argv[1:] == ["-q"]:
            status = "on" if appliance.in_maintenance(now) else appliance.maintenance_status
            return 0, "Maintenance mode is %s\n" % status, "", False
        return _usage("ghe-maintenance -s|-u|-q")
    if name == "ghe-version":
        line = "GitHub Enterprise Server %s %s %s\n" % (appliance.version, appliance.platform, appliance.build_date)
        return 0, line, "", False
    if name == "ghe-license":
        if not appliance.has(since="3.13"):
            return _not_found(name)
        if argv[1:2] == ["usage"]:
            flags = set(argv[2:])
            if not flags <= {"-y", "-o"} or "-o" not in flags:
                return _usage("ghe-license usage [-y] [-o]  (-o prints the export on stdout)")
            if "-y" not in flags:
                return 1, "", "Confirmation required: pass -y\n", False
            return 0, json.dumps(appliance.usage_export(), indent=2) + "\n", "", False
        return _usage("ghe-license info|check|import|usage")
    if name == "ghe-license-usage":
        if appliance.has(since="3.13"):
            return _not_found(name)
        if argv[1:]:
            return _usage("ghe-license-usage")
        return 0, json.dumps(appliance.usage_export(), indent=2) + "\n", "", False
    return _not_found(name)


def _ghe_config(world, appliance, args, now):
    if args == ["-l"]:
        values = config_now(appliance)
        return 0, "".join("%s=%s\n" % (k, v) for k, v in sorted(values.items())), "", False
    if len(args) == 1 and not args[0].startswith("-"):
        values = config_now(appliance)
        if args[0] not in values:
            return 1, "", "", False
        return 0, "%s\n" % values[args[0]], "", False
    if len(args) == 2 and not args[0].startswith("-"):
        appliance.ghe_config_writes.append((now, args[0], args[1]))
        del appliance.ghe_config_writes[:-200]
        return 0, "", "", True
    return _usage("ghe-config KEY [VALUE] | ghe-config -l")


def apply_outcome(world, appliance, run_, now):
    """None while the run goes on; else (exit_code, stdout, stderr) as ghe-config-apply ends."""
    if run_.running(now):
        return None
    lines = ["%s %s" % (event["timestamp"], event["body"]) for event in run_.events(now, appliance.nodes[0]["hostname"], 0)]
    text = "".join(line + "\n" for line in lines)
    if run_.successful(now):
        return 0, text, ""
    return 1, text, "ERROR: configuration run %s failed\n" % run_.run_id


def view(appliance, now):
    """What the control API shows of the shell side."""
    return {"admin_shell": bool(appliance.admin_shell), "ghe_config": config_now(appliance),
            "ghe_config_applied": config_applied(appliance, now),
            "ghe_config_writes": [{"at": iso(when), "key": key, "value": value}
                                  for when, key, value in appliance.ghe_config_writes]}
