"""The fleet spec (dict, JSON or YAML) -> the list of appliances to build, validated."""
import json
import secrets

DEFAULT_VERSIONS = ["3.9.4", "3.10.3", "3.11.9", "3.12.5", "3.13.3", "3.14.2", "3.15.1", "3.16.0",
                    "3.17.1", "3.18.0", "3.19.0", "3.20.0", "3.21.0"]

# Fields an appliance accepts from the spec and from PATCH /_control/appliances/NAME.
APPLIANCE_FIELDS = {
    # identity and credentials
    "version", "hostname", "ghec_hostname", "inventory_hostname", "enterprise_slug", "server_id", "topology",
    "platform",
    "manage_password", "token", "nonadmin_token", "console_username", "console_password",
    "nonadmin_console_username", "nonadmin_console_password", "two_factor", "totp_secret",
    # license
    "seats", "seats_used", "unlimited_seating", "croquet_support", "license_status", "license_expire_days",
    # operations
    "maintenance", "maintenance_message", "config_apply_seconds", "config_apply_fail", "config_apply_hang",
    # GitHub Connect and sync
    "connected", "connected_enterprise", "target", "ghe_com_subdomain", "license_sync", "features",
    "last_sync_days_ago", "last_sync_status", "last_sync_error", "air_gapped", "approve_after", "phishing_url",
    "sync_seconds", "sync_fail", "users_revision", "statistics_days_ago", "retired_installation",
    # console and network
    "console_layout", "down", "rtt_ms",
    # the administrative shell: an SSH endpoint (ssh_server.py) and the keys authorised for admin
    "admin_shell", "ssh_keys", "shell_broken",
}
# The ones that involve GHEC or the sockets, applied by the world rather than the appliance.
WORLD_FIELDS = {"connected", "connected_enterprise", "target", "ghe_com_subdomain", "last_sync_days_ago",
                "last_sync_status", "last_sync_error", "down", "retired_installation", "rtt_ms"}

SPEC_KEYS = {"seed", "enterprise", "tokens", "ghec_sessions", "count", "versions", "defaults", "appliances",
             "ghec_extra_installations", "upload_result", "upload_processing_seconds", "ghec_cloud_users",
             "inventory_hostnames", "ghec_rtt_ms", "ssh_client_key"}

RESERVED_NAMES = {"ghec", "*", "_control"}     # fault targets and log keys

DEFAULT_TOKENS = {
    "owner": {"scopes": ["admin:enterprise", "read:enterprise"], "owner": True},
    "reader": {"scopes": ["read:enterprise"], "owner": False},
    "noscope": {"scopes": [], "owner": False},
}


def rtt_ms(value, where):
    """A round-trip time in milliseconds: a number from 0 to 10,000."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10000:
        raise ValueError("%s must be a number of milliseconds from 0 to 10000, not %r" % (where, value))
    return float(value)


def load(source):
    """A spec from a dict, or a path to a .json / .yml / .yaml file."""
    if isinstance(source, dict):
        return dict(source)
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    if str(source).endswith(".json"):
        return json.loads(text)
    import yaml      # PyYAML comes with ansible-core
    return yaml.safe_load(text) or {}


def check_fields(fields, where):
    unknown = set(fields) - APPLIANCE_FIELDS
    if unknown:
        raise ValueError("%s: unknown appliance field(s) %s" % (where, ", ".join(sorted(unknown))))


def normalise(spec):
    """Fill defaults and check names; returns a new dict."""
    unknown = set(spec) - SPEC_KEYS
    if unknown:
        raise ValueError("unknown spec key(s): %s" % ", ".join(sorted(unknown)))
    spec = dict(spec)
    spec.setdefault("seed", 1)
    enterprise = {"slug": "acme", "name": "Acme Corp", "seats": 1000}
    enterprise.update(spec.get("enterprise") or {})
    spec["enterprise"] = enterprise
    spec["tokens"] = spec.get("tokens") or DEFAULT_TOKENS
    spec["ghec_sessions"] = spec.get("ghec_sessions") or ["sess-" + secrets.token_urlsafe(18)]
    spec["versions"] = [str(v) for v in (spec.get("versions") or DEFAULT_VERSIONS)]
    spec["defaults"] = dict(spec.get("defaults") or {})
    check_fields(spec["defaults"], "defaults")
    spec["appliances"] = list(spec.get("appliances") or [])
    spec["count"] = int(spec.get("count", 0 if spec["appliances"] else 1))
    spec["ghec_rtt_ms"] = rtt_ms(spec.get("ghec_rtt_ms") or 0, "ghec_rtt_ms")
    return spec


def appliance_fields(spec):
    """[(name, fields)] in order: the generated ones, then the explicit ones (an explicit
    appliance with a generated name overrides that one)."""
    ordered = {}
    count = spec["count"]
    width = max(3, len(str(count)))
    for index in range(count):
        fields = dict(spec["defaults"])
        fields.setdefault("version", spec["versions"][index % len(spec["versions"])])
        ordered["ghes-%0*d" % (width, index + 1)] = fields
    for entry in spec["appliances"]:
        entry = dict(entry)
        name = entry.pop("name", None)
        if not name or name in RESERVED_NAMES or "/" in name:
            raise ValueError("every entry under 'appliances' needs a name (not %s, no '/')"
                             % ", ".join(sorted(RESERVED_NAMES)))
        check_fields(entry, "appliance %s" % name)
        fields = dict(spec["defaults"])
        fields.update(entry)
        fields.setdefault("version", spec["versions"][0])
        ordered[name] = fields
    return list(ordered.items())
