"""`scripts/fleet`: drive a running simulated fleet by hand, over its control API (CONTRACT.md).

    fleet status                      every appliance: release, Connect, license sync, last sync, last upload
    fleet approve [NAME...]           the enterprise owner approves the pending Connect requests (all, or NAME's)
    fleet reset NAME                  NAME restored from a backup: Connect and license sync off again
    fleet break NAME WHAT             WHAT: license-sync (switched off), connect (disconnected),
                                      sync (its syncs fail from now on), down (stops answering)
    fleet clock +9d                   the fleet's clock moves on (weekly syncs run; ages grow); +36h, +90m

Which fleet: --sim PATH (its simulator.json), else $GHES_FLEET. Standard library only (the demo's
virtual environment has no `requests`).
"""
import argparse
import json
import os
import re
import ssl
import sys
import urllib.error
import urllib.request

# What each break sets (PATCH /_control/appliances/NAME); "down" is its own endpoint.
BREAKS = {"license-sync": {"license_sync": False}, "connect": {"connected": False}, "sync": {"sync_fail": True}}
UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class Fleet:
    def __init__(self, sim_json):
        with open(sim_json, encoding="utf-8") as handle:
            self.sim = json.load(handle)
        self.context = ssl.create_default_context(cafile=self.sim["ca_path"])

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
        request = urllib.request.Request(self.sim["control_url"] + "/_control" + path, method=method, data=data,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=10) as answer:
                text = answer.read()
        except urllib.error.HTTPError as exc:
            raise SystemExit("fleet: %s %s: %s" % (method, path, exc.read().decode(errors="replace"))) from None
        return json.loads(text) if text else None

    def names(self):
        return sorted(self.sim["appliances"])

    def appliance(self, name):
        if name not in self.sim["appliances"]:
            raise SystemExit("fleet: no appliance %s (the fleet has %s)" % (name, ", ".join(self.names())))
        return self.call("GET", "/appliances/" + name)


def status(fleet, _args):
    uploads = {}
    for installation in fleet.call("GET", "/ghec")["installations"]:
        for upload in installation["uploads"]:
            uploads[installation["appliance"]] = "%s %s" % (upload["createdAt"][:10], upload["syncState"])
    print("    %-16s %-8s %-10s %-13s %-19s %s" % ("appliance", "GHES", "connected", "license sync", "last sync",
                                                   "last upload"))
    for name in fleet.names():
        state = fleet.appliance(name)
        last = state.get("last_sync") or {}
        synced = "%s %s" % (last.get("date", "")[:10], last.get("status", "")) if last else "never"
        print("    %-16s %-8s %-10s %-13s %-19s %s" % (
            name, state["version"], "pending" if state["pending_authorization"] else "yes" if state["connected"] else "no",
            "on" if state["license_sync"] else "off", synced, uploads.get(name, "none")))


def approve(fleet, args):
    pending = [n for n in (args.names or fleet.names()) if fleet.appliance(n)["pending_authorization"]]
    for name in pending:
        fleet.call("POST", "/appliances/%s/approve" % name)
        print("approved the Connect request of %s (as the enterprise owner on GitHub.com)" % name, flush=True)
    if not pending and not args.quiet:
        print("no Connect request is waiting for approval")


def reset(fleet, args):
    fleet.appliance(args.name)
    fleet.call("POST", "/appliances/%s/restore" % args.name)
    print("%s restored from a backup: Connect and license sync are off; run the enable playbook again" % args.name)


def break_(fleet, args):
    fleet.appliance(args.name)
    if args.what == "down":
        fleet.call("POST", "/appliances/%s/down" % args.name)
    else:
        fleet.call("PATCH", "/appliances/" + args.name, BREAKS[args.what])
    print("%s: %s broken; the drift playbook now reports it" % (args.name, args.what))


def clock(fleet, args):
    match = re.match(r"^\+?([0-9]+)([dhms])$", args.amount)
    if not match:
        raise SystemExit("fleet: clock takes an amount like +9d, +36h or +90m (got %s)" % args.amount)
    seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2)]
    fleet.call("POST", "/clock/advance", {"seconds": seconds})
    print("the fleet's clock moved on %s (now %s)" % (args.amount.lstrip("+"), fleet.call("GET", "/clock")["now"]))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="scripts/fleet", description=__doc__.split("\n\n", maxsplit=1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--sim", default=os.environ.get("GHES_FLEET"),
                        help="the fleet's simulator.json (default: $GHES_FLEET)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status").set_defaults(run=status)
    command = commands.add_parser("approve")
    command.add_argument("names", nargs="*")
    command.add_argument("--quiet", action="store_true", help="say nothing when no request is waiting")
    command.set_defaults(run=approve)
    command = commands.add_parser("reset")
    command.add_argument("name")
    command.set_defaults(run=reset)
    command = commands.add_parser("break")
    command.add_argument("name")
    command.add_argument("what", choices=sorted(BREAKS) + ["down"])
    command.set_defaults(run=break_)
    command = commands.add_parser("clock")
    command.add_argument("amount")
    command.set_defaults(run=clock)
    args = parser.parse_args(argv)
    if not args.sim:
        parser.error("which fleet? give --sim PATH/simulator.json or set GHES_FLEET")
    args.run(Fleet(args.sim), args)


if __name__ == "__main__":
    sys.exit(main())
