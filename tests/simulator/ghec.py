"""The GitHub Enterprise Cloud side: one enterprise, its tokens, web sessions,
Enterprise Server installations, usage uploads and license-sync records."""
import base64
import hashlib
import hmac
import json
import secrets

from .clock import iso

HOUR = 3600.0
UPLOAD_RESULTS = ("SUCCESS", "FAILURE", "PENDING_FOREVER")


class Token:
    def __init__(self, name, value, scopes, owner, rate_limit):
        self.name = name
        self.value = value
        self.scopes = list(scopes)
        self.owner = bool(owner)
        self.limit = int(rate_limit)
        self.used = {"core": 0, "graphql": 0}
        self.window = {"core": 0.0, "graphql": 0.0}

    def can_read_enterprise(self):
        return bool({"read:enterprise", "admin:enterprise"} & set(self.scopes))

    def spend(self, resource, now):
        """Count one request; returns (allowed, limit, remaining, reset_epoch)."""
        if now >= self.window[resource] + HOUR:
            self.window[resource], self.used[resource] = now, 0
        reset = int(self.window[resource] + HOUR)
        if self.used[resource] >= self.limit:
            return False, self.limit, 0, reset
        self.used[resource] += 1
        return True, self.limit, self.limit - self.used[resource], reset


class Installation:
    def __init__(self, number, server_id, host_name, customer_name, created_at, appliance=None):
        self.number = number
        self.id = "ESI_" + base64.urlsafe_b64encode(b"\x00\x01" + number.to_bytes(6, "big")).decode().rstrip("=")
        self.server_id = server_id
        self.host_name = host_name
        self.customer_name = customer_name
        self.is_connected = False
        self.created_at = created_at
        self.updated_at = created_at
        self.appliance = appliance      # name, or None for the fake extra installations
        self.uploads = []               # oldest first
        self.synced_users = None        # seats used, as of the last successful sync or upload


class Upload:
    def __init__(self, number, name, created_at, installation, outcome, reason, users=None):
        self.number = number
        self.id = "ESUAU_" + base64.urlsafe_b64encode(number.to_bytes(6, "big")).decode().rstrip("=")
        self.name = name
        self.created_at = created_at
        self.updated_at = created_at
        self.sync_state = "PENDING"
        self.installation = installation
        self.outcome = outcome          # what it will become: SUCCESS, FAILURE or None (never)
        self.reason = reason
        self.users = users

    def view(self):
        return {"id": self.id, "name": self.name, "syncState": self.sync_state, "createdAt": iso(self.created_at),
                "installation": self.installation.host_name if self.installation else None,
                "reason": self.reason}


class Ghec:
    def __init__(self, spec, now):
        enterprise = spec["enterprise"]
        self.slug = enterprise["slug"]
        self.name = enterprise["name"]
        self.seats_purchased = int(enterprise.get("seats", 1000))
        self.secret = secrets.token_bytes(16)
        self.tokens = {}
        for name, token_spec in spec["tokens"].items():
            value = token_spec.get("value") or "ghp_" + secrets.token_hex(18)
            self.tokens[value] = Token(name, value, token_spec.get("scopes", []), token_spec.get("owner", False),
                                       token_spec.get("rate_limit", 5000))
        self.sessions = list(spec["ghec_sessions"])
        self.installations = []          # in creation order
        self.by_server_id = {}
        self.uploads = []
        self.sync_records = {}           # server_id -> {"server_id", "hostname", "last_sync": {...}}
        self.upload_result = spec.get("upload_result", "SUCCESS")
        self.upload_processing_seconds = float(spec.get("upload_processing_seconds", 0.5))
        self.cloud_users = int(spec.get("ghec_cloud_users", 5))
        self.seat_scenario = None        # ghec_seats.py: None, "realistic" or {"kind": "scale", "users": N}
        self.seat_faults = {}
        self.api_versions = {}           # X-GitHub-Api-Version of REST requests -> how many
        self._numbers = 0
        self.set_extra_installations(int(spec.get("ghec_extra_installations", 0)), now)

    def token_named(self, name):
        for token in self.tokens.values():
            if token.name == name:
                return token
        return None

    def _next_number(self):
        self._numbers += 1
        return self._numbers

    def set_extra_installations(self, count, now):
        """Fake installations (no appliance behind them), created before the real ones."""
        real = [inst for inst in self.installations if inst.appliance is not None]
        extras = []
        for index in range(count):
            inst = Installation(self._next_number(), "00000000-0000-4000-8000-%012d" % (index + 1),
                                "extra-%04d.example.com" % (index + 1), self.name, now - (count - index) * HOUR)
            inst.is_connected = index % 3 != 0
            extras.append(inst)
        self.installations = extras + real
        self.by_server_id = {inst.server_id: inst for inst in self.installations}

    def installation_for(self, appliance, now):
        inst = self.by_server_id.get(appliance.server_id)
        if inst is None:
            inst = Installation(self._next_number(), appliance.server_id, appliance.ghec_name, self.name, now,
                                appliance.name)
            self.installations.append(inst)
            self.by_server_id[inst.server_id] = inst
        inst.host_name = appliance.ghec_name
        return inst

    def add_retired_installation(self, appliance, server_id, updated, last_sync):
        """The record GHEC keeps of an appliance's former self (restored or rebuilt, then reconnected):
        same host name, another server id, disconnected, listed before the current one (oldest first)."""
        inst = Installation(self._next_number(), server_id, appliance.ghec_name, self.name, updated - 30 * 86400.0)
        inst.updated_at = updated
        current = self.by_server_id.get(appliance.server_id)
        position = self.installations.index(current) if current in self.installations else len(self.installations)
        self.installations.insert(position, inst)
        self.by_server_id[server_id] = inst
        if last_sync is not None:
            self.sync_records[server_id] = {"server_id": server_id, "hostname": appliance.ghec_name,
                                            "last_sync": {"date": iso(last_sync), "status": "success", "error": ""}}
        return inst

    def record_sync(self, appliance, when, status, error, users=None):
        self.sync_records[appliance.server_id] = {
            "server_id": appliance.server_id, "hostname": appliance.ghec_name,
            "last_sync": {"date": iso(when), "status": status, "error": error}}
        inst = self.installation_for(appliance, when)
        inst.updated_at = when
        if users is not None:
            inst.synced_users = users

    def csrf_token(self, session):
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()

    # -- uploads -----------------------------------------------------------
    def accept_upload(self, filename, content, appliances_by_server_id, now):
        """Record an upload; returns it. Its outcome is decided now, applied after processing."""
        installation, appliance, reason = None, None, ""
        try:
            document = json.loads(content.decode("utf-8"))
            instance = document["instance"]
            server_id, host_name = instance["server_id"], instance["host_name"]
            if not isinstance(document.get("users"), str):
                raise KeyError("users")
        except (ValueError, KeyError, TypeError, AttributeError):
            outcome, reason = "FAILURE", "not a license usage file"
        else:
            appliance = appliances_by_server_id.get(server_id)
            if appliance is None:
                outcome, reason = "FAILURE", "unknown server_id"
            else:
                installation = self.installation_for(appliance, now)
                outcome = "SUCCESS" if appliance.hostname == host_name else "FAILURE"
                reason = "" if outcome == "SUCCESS" else "host_name does not match the server"
        if self.upload_result == "FAILURE":
            outcome, reason = "FAILURE", reason or "rejected (simulated)"
        elif self.upload_result == "PENDING_FOREVER":
            outcome = None
        upload = Upload(len(self.uploads) + 1, filename or "upload.json", now, installation, outcome, reason,
                        appliance.seats_used if appliance is not None else None)
        self.uploads.append(upload)
        if installation is not None:
            installation.uploads.append(upload)
            installation.updated_at = now
        return upload

    def finish_upload(self, upload, when):
        if upload.outcome is not None and upload.sync_state == "PENDING":
            upload.sync_state = upload.outcome
            upload.updated_at = when
            if upload.installation is not None:
                upload.installation.updated_at = when
                if upload.sync_state == "SUCCESS":
                    upload.installation.synced_users = upload.users

    # -- views ---------------------------------------------------------------
    def installation_view(self, inst):
        return {"id": inst.id, "server_id": inst.server_id, "hostName": inst.host_name,
                "customerName": inst.customer_name, "isConnected": inst.is_connected,
                "createdAt": iso(inst.created_at), "updatedAt": iso(inst.updated_at),
                "appliance": inst.appliance, "uploads": [upload.view() for upload in inst.uploads]}

    def view(self, requests):
        return {
            "enterprise": {"slug": self.slug, "name": self.name, "seats_purchased": self.seats_purchased},
            "seat_scenario": self.seat_scenario, "seat_faults": self.seat_faults,
            "installations": [self.installation_view(inst) for inst in self.installations if inst.appliance],
            "extra_installations": sum(1 for inst in self.installations if inst.appliance is None),
            "uploads": [upload.view() for upload in self.uploads],
            "license_sync_status": {"server_instances": list(self.sync_records.values())},
            "upload_result": self.upload_result,
            "upload_processing_seconds": self.upload_processing_seconds,
            "tokens": {token.name: {"scopes": token.scopes, "owner": token.owner} for token in self.tokens.values()},
            "requests": requests,
            "api_versions": dict(self.api_versions),
        }
