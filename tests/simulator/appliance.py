"""One simulated GHES appliance: its state and the facts derived from it.

Transitions that also touch GHEC (connect, sync, ...) live in world.py; this class
only knows the appliance itself.
"""
import base64
import hashlib
import hmac
import secrets
import uuid

from . import totp
from .clock import iso
from .config_runs import ConfigRun

FEATURES = ["license_usage_sync", "unified_search", "unified_contributions", "server_statistics",
            "dotcom_actions", "dependabot_alerts"]
FEATURE_LABELS = {
    "license_usage_sync": "License sync",
    "unified_search": "Unified search",
    "unified_contributions": "Unified contributions",
    "server_statistics": "Share server statistics with GitHub.com",
    "dotcom_actions": "Users can utilize actions from GitHub.com in workflow runs",
    "dependabot_alerts": "Dependabot",
}
PLATFORMS = ["ami", "azure", "esx", "gce", "hyperv", "kvm"]
TOPOLOGIES = ("SingleNode", "Ha", "Cluster")
DAY = 86400.0


def version_tuple(version):
    parts = str(version).split(".")
    return int(parts[0]), int(parts[1])


class Appliance:
    """Attributes named in fleet.APPLIANCE_FIELDS can be set from the spec or PATCHed."""

    def __init__(self, name, fields, rng, now):
        self.name = name
        self.port = None
        self.url = None
        self.down = False
        # identity
        self.version = "3.14.2"
        self.hostname = "%s.example.com" % name
        self.ghec_hostname = None        # how GHEC spells the name (other case, trailing dot); None: hostname
        self.inventory_hostname = None   # the ghes_hostname the inventory hands over; None: none (detect it)
        self.enterprise_slug = "github"
        self.server_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.platform = rng.choice(PLATFORMS)
        self.build_id = "%010x" % rng.getrandbits(40)
        self.build_date = "2025-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))
        self.topology = "SingleNode"
        self._node_uuids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _node in range(3)]
        # credentials (secrets: random per run unless the spec gives them)
        self.manage_password = secrets.token_urlsafe(12)
        self.token = "ghp_" + secrets.token_hex(18)
        self.nonadmin_token = "ghp_" + secrets.token_hex(18)
        self.console_username = "ghe-admin"
        self.console_password = secrets.token_urlsafe(12)
        self.nonadmin_console_username = "octocat"
        self.nonadmin_console_password = secrets.token_urlsafe(12)
        self.two_factor = False
        self.totp_secret = None
        # license
        self.seats = 100
        self.seats_used = rng.randint(20, 90)
        self.unlimited_seating = False
        self.croquet_support = True
        self.license_status = "valid"
        self.license_expire_at = now + 365 * DAY
        self.license_uploads = 0
        # maintenance
        self.maintenance_status = "off"
        self.maintenance_scheduled = None
        self.maintenance_message = ""
        self.ip_exception_list = []
        # configuration runs
        self.config_apply_seconds = 1.0
        self.config_apply_fail = False
        self.config_apply_hang = False
        self.config_runs = []
        self._settings = None
        self.ssh_keys = []
        # the administrative shell (ssh_server.py, admin_shell.py)
        self.admin_shell = False
        self.ssh_port = None
        self.ghe_config_writes = []      # [(when, key, value)], what ghe-config KEY VALUE set
        self.shell_broken = {}           # command -> "missing" (exit 127) | "garbage" (output that is not JSON)
        # GitHub Connect
        self.connected = False
        self.connected_enterprise = None
        self.target = None
        self.ghe_com_subdomain = None
        self.pending = None              # {"id", "url", "target", "subdomain", "requested_at"}
        self.features = {name: None for name in FEATURES}   # name -> enabled_at (epoch) or None
        self.next_weekly_sync = None
        self.air_gapped = False
        self.approve_after = None
        self.phishing_url = None         # a compromised appliance: Connect sends the owner here instead
        self.sync_seconds = 0.5
        self.sync_fail = False
        self.console_layout = "default"
        self.users_revision = 1
        self.statistics_days_ago = 0     # age of the latest server statistics collection (0: today's)
        self.usage_secret = secrets.token_bytes(16)
        self.audit_log = []
        self.sessions = {}
        self.issued_session_secrets = []
        self.apply(fields, now)
        # the run that configured the appliance, long finished
        self.config_runs.append(ConfigRun("%08x" % rng.getrandbits(32), [n["hostname"] for n in self.nodes],
                                          now - 3600, 60))

    # -- spec / PATCH ------------------------------------------------------
    def apply(self, fields, now):
        for key, value in fields.items():
            if key == "maintenance":
                self.maintenance_status = "on" if value else "off"
                self.maintenance_scheduled = None
            elif key == "features":
                for name, enabled in value.items():
                    if name not in self.features:
                        raise ValueError("unknown feature %r (known: %s)" % (name, ", ".join(FEATURES)))
                    self.set_feature(name, bool(enabled), now)
            elif key == "license_sync":
                self.set_feature("license_usage_sync", bool(value), now)
            elif key == "license_expire_days":
                self.license_expire_at = now + float(value) * DAY
            elif key == "two_factor":
                self.two_factor = bool(value)
                if self.two_factor and not self.totp_secret:
                    self.totp_secret = totp.new_secret()
            elif key == "topology":
                if value not in TOPOLOGIES:
                    raise ValueError("topology must be one of %s" % ", ".join(TOPOLOGIES))
                self.topology = value
            elif key == "version":
                # 3.9 ... 3.21 are modelled; other 3.x versions are accepted so that clients can be
                # tested refusing them (endpoint gating by minor version applies to them as well)
                if version_tuple(value)[0] != 3:
                    raise ValueError("version %s is not a GHES 3.x version" % value)
                self.version = str(value)
            elif key == "config_apply_hang":
                self.config_apply_hang = bool(value)
                if not value:
                    for run in self.config_runs:
                        run.release(now)
            elif key == "ssh_keys":
                self.ssh_keys = [str(k) for k in value]     # a copy: defaults must not share one list
            elif key == "console_layout":
                if value not in ("default", "unknown"):
                    raise ValueError("console_layout must be 'default' or 'unknown'")
                self.console_layout = value
            else:
                setattr(self, key, value)

    # -- derived facts -------------------------------------------------------
    @property
    def ghec_name(self):
        """The host name as GHEC's records carry it."""
        return self.ghec_hostname or self.hostname

    @property
    def minor(self):
        return version_tuple(self.version)

    def has(self, since=None, until=None):
        """True when this version is >= since and <= until (each 'X.Y' or None)."""
        if since and self.minor < version_tuple(since):
            return False
        if until and self.minor > version_tuple(until):
            return False
        return True

    @property
    def nodes(self):
        if self.topology == "SingleNode":
            roles = ["ConsulServer", "ElasticsearchServer", "GitServer", "JobServer", "MemcacheServer",
                     "MysqlServer", "PagesServer", "RedisServer", "StorageServer", "WebServer"]
            specs = [("%s-primary" % self.name, False, roles)]
        elif self.topology == "Ha":
            roles = ["ConsulServer", "GitServer", "MysqlServer", "RedisServer", "WebServer"]
            specs = [("%s-primary" % self.name, False, roles), ("%s-replica" % self.name, True, roles)]
        else:
            specs = [("%s-node-1" % self.name, False, ["ConsulServer", "WebServer", "JobServer"]),
                     ("%s-node-2" % self.name, False, ["GitServer", "StorageServer", "PagesServer"]),
                     ("%s-node-3" % self.name, False, ["MysqlServer", "RedisServer", "ElasticsearchServer"])]
        return [{"hostname": hostname, "uuid": self._node_uuids[index], "replica": replica,
                 "cluster_roles": list(roles)} for index, (hostname, replica, roles) in enumerate(specs)]

    def feature_enabled(self, name):
        return self.features.get(name) is not None

    def set_feature(self, name, enabled, now):
        if enabled and self.features[name] is None:
            self.features[name] = now
            if name == "license_usage_sync":
                self.next_weekly_sync = now + 7 * DAY
        elif not enabled:
            self.features[name] = None
            if name == "license_usage_sync":
                self.next_weekly_sync = None

    @property
    def license_sync(self):
        return self.feature_enabled("license_usage_sync")

    def in_maintenance(self, now):
        if self.maintenance_status == "scheduled" and self.maintenance_scheduled is not None \
                and self.maintenance_scheduled <= now:
            self.maintenance_status, self.maintenance_scheduled = "on", None
        return self.maintenance_status == "on"

    def latest_run(self):
        return self.config_runs[-1]

    def find_run(self, run_id):
        for run in reversed(self.config_runs):
            if run.run_id == run_id:
                return run
        return None

    def start_run(self, run_id, now, source):
        run = ConfigRun(run_id or secrets.token_hex(4), [node["hostname"] for node in self.nodes], now,
                        self.config_apply_seconds, self.config_apply_fail, self.config_apply_hang, source)
        self.config_runs.append(run)
        del self.config_runs[:-20]
        return run

    def completed_runs(self, now):
        return sum(1 for run in self.config_runs if not run.running(now))

    # -- credentials -------------------------------------------------------
    def console_user(self, login):
        """(password, site_admin, totp_secret) of a console account, or None."""
        if login == self.console_username:
            return self.console_password, True, (self.totp_secret if self.two_factor else None)
        if login == self.nonadmin_console_username:
            return self.nonadmin_console_password, False, None
        return None

    def settings(self, now):
        if self._settings is None:
            self._settings = _initial_settings(self)
        self._settings["configuration_run_count"] = self._settings_base_runs + self.completed_runs(now)
        return self._settings

    _settings_base_runs = 40

    # -- license and usage ---------------------------------------------------
    def license_object(self):
        return {
            "advancedSecurityEnabled": False, "advancedSecuritySeats": 0,
            "clusterSupport": self.topology == "Cluster", "company": "Acme Corp",
            "croquetSupport": bool(self.croquet_support), "customTerms": False, "evaluation": False,
            "expireAt": iso(self.license_expire_at), "insightsEnabled": False, "insightsExpireAt": None,
            "learningLabEvaluationExpires": None, "learningLabSeats": 0, "perpetual": False,
            "referenceNumber": self.server_id.split("-", maxsplit=1)[0], "seats": 0 if self.unlimited_seating else self.seats,
            "sshAllowed": True, "supportKey": True, "unlimitedSeating": bool(self.unlimited_seating),
        }

    def public_key_pem(self):
        digest = hashlib.sha256(b"license-key:" + self.usage_secret).digest()
        blob = base64.b64encode(bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04"
                                + digest + hashlib.sha256(digest).digest()).decode("ascii")
        return "-----BEGIN PUBLIC KEY-----\n%s\n%s\n-----END PUBLIC KEY-----\n" % (blob[:64], blob[64:])

    def users_blob(self):
        """The opaque, per-appliance secret user list of the usage export."""
        seed = hmac.new(self.usage_secret, b"users:%d:%d" % (self.users_revision, self.seats_used),
                        hashlib.sha256).digest()
        stream = b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(6))
        return base64.b64encode(stream).decode("ascii")

    def usage_export(self):
        features = [{"name": name, "enabled_at": iso(self.features[name])}
                    for name in FEATURES if self.features[name] is not None]
        return {
            "instance": {
                "server_id": self.server_id, "host_name": self.hostname, "version": self.version,
                "http_only": False,
                "license_hash": hashlib.sha256(("license:%s:%d" % (self.server_id, self.seats)).encode()).hexdigest(),
                "public_key": self.public_key_pem(), "features": features,
            },
            "users": self.users_blob(),
        }

    def secret_values(self, now):
        values = [self.manage_password, self.token, self.nonadmin_token, self.console_password,
                  self.nonadmin_console_password, self.users_blob()]
        if self.totp_secret:
            values.append(self.totp_secret)
        values += self.issued_session_secrets
        settings = self.settings(now)
        values += [settings["customer"]["secret_key_data"], settings["github_ssl"]["key"],
                   settings["github_oauth"]["client_secret"], settings["smtp"]["password"],
                   settings["collectd"]["password"], settings["mapping"]["token"]]
        return values

    def audit(self, action, actor, now, **extra):
        millis = int(now * 1000)
        event = {"@timestamp": millis, "_document_id": secrets.token_urlsafe(16), "action": action,
                 "actor": actor, "created_at": millis, "business": self.enterprise_slug,
                 "operation_type": "modify"}
        event.update(extra)
        self.audit_log.append(event)


def _secret_block(kind):
    body = base64.b64encode(secrets.token_bytes(48)).decode("ascii")
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (kind, body, kind)


def _initial_settings(appliance):
    settings = {
        "private_mode": False, "public_pages": False, "subdomain_isolation": True, "signup_enabled": False,
        "github_hostname": appliance.hostname, "identicons_host": "dotcom", "http_proxy": None,
        "auth_mode": "default", "expire_sessions": False, "admin_password": None,
        "configuration_id": 1401777404, "configuration_run_count": 0,
        "avatar": {"enabled": False, "uri": ""},
        "customer": {"name": "Acme Corp", "email": "admin@example.com", "uuid": appliance.server_id,
                     "secret_key_data": _secret_block("PGP PRIVATE KEY BLOCK"),
                     "public_key_data": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmI0EW...\n-----END PGP PUBLIC KEY BLOCK-----\n"},
        "license": {"seats": 0 if appliance.unlimited_seating else appliance.seats, "evaluation": False,
                    "perpetual": False, "unlimited_seating": bool(appliance.unlimited_seating),
                    "support_key": "ssh-rsa AAAAB3N...", "ssh_allowed": True, "cluster_support": False,
                    "expire_at": iso(appliance.license_expire_at)},
        "github_ssl": {"enabled": True, "cert": "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n",
                       "key": _secret_block("PRIVATE KEY")},
        "ldap": {"host": None, "port": 0, "base": [], "uid": None, "bind_dn": None, "password": None,
                 "method": "Plain", "search_strategy": "detect", "user_groups": [], "admin_group": None,
                 "virtual_attribute_enabled": False, "recursive_group_search": False, "posix_support": True,
                 "user_sync_emails": False, "user_sync_keys": False, "user_sync_interval": 4,
                 "team_sync_interval": 4, "sync_enabled": False,
                 "reconciliation": {"user": None, "org": None},
                 "profile": {"uid": "uid", "name": None, "mail": None, "key": None}},
        "cas": {"url": None},
        "saml": {"sso_url": None, "certificate": None, "certificate_path": None, "issuer": None,
                 "idp_initiated_sso": False, "disable_admin_demote": False},
        "github_oauth": {"client_id": "12345", "client_secret": secrets.token_hex(20),
                         "organization_name": "", "organization_team": ""},
        "smtp": {"enabled": True, "address": "smtp.example.com", "authentication": "plain", "port": "25",
                 "domain": "example.com", "username": "ghes", "user_name": "ghes",
                 "enable_starttls_auto": True, "password": secrets.token_urlsafe(16),
                 "discard-to-noreply-address": True, "support_address": "enterprise@example.com",
                 "support_address_type": "email", "noreply_address": "noreply@example.com"},
        "ntp": {"primary_server": "0.pool.ntp.org", "secondary_server": "1.pool.ntp.org"},
        "timezone": None,
        "snmp": {"enabled": False, "community": ""},
        "syslog": {"enabled": False, "server": None, "protocol_name": "udp"},
        "assets": None,
        "pages": {"enabled": True},
        "collectd": {"enabled": False, "server": None, "port": 0, "encryption": None, "username": None,
                     "password": secrets.token_urlsafe(16)},
        "mapping": {"enabled": True, "tileserver": None, "basemap": "company.map-qsz2zrvs",
                    "token": secrets.token_hex(16)},
        "load_balancer": None,
    }
    if appliance.has(since="3.15"):
        settings["prometheus"] = {"enabled": False, "trusted_ip_list": []}
    return settings
