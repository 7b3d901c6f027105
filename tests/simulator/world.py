"""Everything the simulator knows, behind one lock: appliances, GHEC, clock, faults, logs.

The transitions that involve both sides (connect, approve, sync, upload) live here, so
the HTTP handlers (appliance_*.py, console_*.py, ghec_*.py) and the control API share
them. Every request runs `serve()`: due timers fire, a fault may apply, the handler
answers under the lock, and the request is logged.
"""
import collections
import email.utils
import random
import secrets
import threading
import time
import traceback

from . import fleet
from .appliance import DAY, FEATURES, Appliance
from .clock import Clock, iso
from .faults import Faults
from .ghec import Ghec
from .httpmsg import HANG, RESET, HttpError, error_response, json_response
from .requestlog import RequestLog

WEEK = 7 * DAY
SYNC_ERROR_UNREACHABLE = "Unable to reach GitHub.com: connection timed out (api.github.com:443)"
SYNC_ERROR_FAILED = "License usage upload failed: 500 Internal Server Error from GitHub.com"

# GitHub.com forgets an unapproved Connect hand-shake after about 5 minutes (docs/interfaces.md §6).
HANDSHAKE_SECONDS = 300


class World:
    def __init__(self, spec):
        self.spec = fleet.normalise(fleet.load(spec))
        self.lock = threading.RLock()
        self.clock = Clock()
        self.faults = Faults()
        self.server = None                   # the HttpServer, for down/up
        self.ghec_url = self.ghec_web_url = None
        now = self.clock.now()
        self.started_at = now
        self.ghec = Ghec(self.spec, now)
        self.logs = {"ghec": RequestLog()}
        self.connections = collections.Counter()     # host -> connections accepted (since reset)
        self.ghec_rtt_ms = self.spec["ghec_rtt_ms"]
        self.appliances = {}
        self.by_server_id = {}
        seed = self.spec["seed"]
        for name, fields in fleet.appliance_fields(self.spec):
            world_fields = {key: fields.pop(key) for key in list(fields) if key in fleet.WORLD_FIELDS}
            appliance = Appliance(name, fields, random.Random("%s:%s" % (seed, name)), now)
            appliance.rtt_ms = 0.0
            self.appliances[name] = appliance
            self.by_server_id[appliance.server_id] = appliance
            self.logs[name] = RequestLog()
            self._apply_world_fields(appliance, world_fields, now)

    # -- request plumbing ------------------------------------------------------
    def service(self, key, handler, classify):
        """The function a listener calls for each request to host `key`."""
        log = self.logs[key]

        def serve(request):
            with self.lock:
                fault = self.faults.take(key, request.method, request.path)
            write = classify(request.method, request.path)
            if fault is not None:
                if fault.latency:
                    time.sleep(fault.latency)
                if fault.reset or fault.hang:
                    with self.lock:
                        log.add(request.method, request.path, None, write)
                    return HANG if fault.hang else RESET
                if fault.status is not None:
                    body = fault.body if fault.body is not None else {
                        "message": "Simulated fault: %d" % fault.status}
                    if fault.pad:
                        body = dict(body, padding="x" * fault.pad)
                    headers = [("Retry-After", str(fault.retry_after))] if fault.retry_after is not None else []
                    headers += [(name, str(value)) for name, value in fault.headers.items()]
                    with self.lock:
                        log.add(request.method, request.path, fault.status, write)
                    return self._dated(json_response(body, fault.status, headers))
            with self.lock:
                self.clock.run_due()
                try:
                    response = handler(request)
                except HttpError as exc:
                    response = error_response(exc)
                except Exception:      # a simulator bug: answer 500 and say where
                    traceback.print_exc()
                    response = json_response({"message": "Server Error"}, 500)
                log.add(request.method, request.path, response.status, write)
            if fault is not None and fault.trickle:
                response.trickle = fault.trickle
            return self._dated(response)
        return serve

    def count_connection(self, key):
        """The server accepted a connection for host ``key`` (GET /_control/connections)."""
        with self.lock:
            self.connections[key] += 1

    def _dated(self, response):
        """Every answer carries a Date header on the simulated clock (GHEC dates follow it too)."""
        response.headers.append(("Date", email.utils.formatdate(self.clock.now(), usegmt=True)))
        return response

    def now(self):
        return self.clock.now()

    def appliance(self, name):
        appliance = self.appliances.get(name)
        if appliance is None:
            raise HttpError(404, "no appliance named %r" % name)
        return appliance

    # -- GitHub Connect --------------------------------------------------------
    def handshake_expired(self, appliance, now):
        """A pending hand-shake not approved within HANDSHAKE_SECONDS has expired (docs/interfaces.md §6)."""
        return bool(appliance.pending) and now - appliance.pending["requested_at"] > HANDSHAKE_SECONDS

    def request_connect(self, appliance, target, subdomain, actor, now):
        """The console's "Enable GitHub Connect": a pending authorization on GitHub.com."""
        request_id = secrets.token_hex(10)
        url = appliance.phishing_url or "%s/enterprise_connect/authorize?request=%s" % (self.ghec_web_url, request_id)
        appliance.pending = {"id": request_id, "url": url, "target": target, "subdomain": subdomain,
                             "actor": actor, "requested_at": now}
        if appliance.approve_after is not None:
            def auto_approve(when, appliance=appliance, request_id=request_id):
                if appliance.pending and appliance.pending["id"] == request_id \
                        and not self.handshake_expired(appliance, when):
                    self.approve(appliance, None, when)
            self.clock.call_at(now + float(appliance.approve_after), auto_approve)
        return url

    def approve(self, appliance, enterprise, now):
        if not appliance.pending:
            raise HttpError(409, "%s has no pending GitHub Connect request" % appliance.name)
        if self.handshake_expired(appliance, now):
            raise HttpError(409, "the GitHub Connect hand-shake of %s has expired: resume it on the appliance first"
                            % appliance.name)
        pending = appliance.pending
        self.connect(appliance, enterprise or self.ghec.slug, pending["target"], pending["subdomain"],
                     pending["actor"], now)

    def reject(self, appliance, now):
        if not appliance.pending:
            raise HttpError(409, "%s has no pending GitHub Connect request" % appliance.name)
        appliance.pending = None

    def connect(self, appliance, enterprise, target, subdomain, actor, now):
        reconnect = appliance.connected
        appliance.connected = True
        appliance.connected_enterprise = enterprise
        appliance.target = target or "github_com"
        appliance.ghe_com_subdomain = subdomain if appliance.target == "ghe_com" else None
        appliance.pending = None
        if enterprise == self.ghec.slug:
            installation = self.ghec.installation_for(appliance, now)
            installation.is_connected = True
            installation.updated_at = now
        if actor:
            appliance.audit("dotcom_connection.token_updated" if reconnect else "dotcom_connection.create",
                            actor, now, dotcom_enterprise=enterprise)

    def disconnect(self, appliance, actor, now):
        was_connected = appliance.connected
        appliance.connected = False
        appliance.connected_enterprise = appliance.target = appliance.ghe_com_subdomain = None
        appliance.pending = None
        for name in FEATURES:
            appliance.set_feature(name, False, now)
        installation = self.ghec.by_server_id.get(appliance.server_id)
        if installation is not None and installation.is_connected:
            installation.is_connected = False
            installation.updated_at = now
        if actor and was_connected:
            appliance.audit("dotcom_connection.destroy", actor, now)

    def set_license_sync(self, appliance, enabled, now):
        """The console switch: enabling it on a connected appliance schedules a first sync."""
        was = appliance.license_sync
        appliance.set_feature("license_usage_sync", enabled, now)
        if enabled and not was and appliance.connected:
            self.schedule_sync(appliance)

    def schedule_sync(self, appliance):
        self.clock.call_later(appliance.sync_seconds, lambda when: self.sync(appliance, when))

    def sync(self, appliance, when):
        """One license sync (Sync now, the first one, or the weekly one)."""
        if not (appliance.connected and appliance.license_sync):
            return
        if appliance.air_gapped:
            status, error = "failure", SYNC_ERROR_UNREACHABLE
        elif appliance.sync_fail:
            status, error = "failure", SYNC_ERROR_FAILED
        else:
            status, error = "success", ""
        appliance.next_weekly_sync = when + WEEK
        if appliance.connected_enterprise == self.ghec.slug:
            self.ghec.record_sync(appliance, when, status, error,
                                  appliance.seats_used if status == "success" else None)
        if status == "success":
            appliance.audit("dotcom_connection.upload_license_usage", "github-connect", when)
            if appliance.feature_enabled("server_statistics"):
                appliance.audit("dotcom_connection.upload_usage_metrics", "github-connect", when)

    def run_weekly_syncs(self, now):
        count = 0
        for appliance in self.appliances.values():
            while (appliance.next_weekly_sync is not None and appliance.next_weekly_sync <= now
                   and appliance.connected and appliance.license_sync):
                self.sync(appliance, appliance.next_weekly_sync)
                count += 1
        return count

    def advance(self, seconds):
        self.clock.advance(seconds)
        now = self.clock.now()
        # timers and weekly syncs in time order, so each sees the state before it
        self.clock.run_due()
        return self.run_weekly_syncs(now)

    def restore(self, appliance, now):
        """Restore from backup: Connect and its features are reset, console sessions end."""
        self.disconnect(appliance, None, now)
        appliance.sessions.clear()

    def click(self, appliance, switch, value, now):
        """The operator, by hand in the console (and on GitHub.com for Connect)."""
        actor = appliance.console_username
        if switch == "connect":
            if value and not appliance.connected:
                if appliance.air_gapped:
                    raise HttpError(409, "%s is air-gapped: GitHub Connect cannot be enabled" % appliance.name)
                self.connect(appliance, self.ghec.slug, "github_com", None, actor, now)
            elif not value and (appliance.connected or appliance.pending):
                self.disconnect(appliance, actor, now)
        elif switch == "license_sync":
            if not appliance.connected:
                raise HttpError(409, "%s is not connected: license sync cannot be switched" % appliance.name)
            self.set_license_sync(appliance, bool(value), now)
        else:
            raise HttpError(400, "switch must be 'connect' or 'license_sync'")

    def upload_usage(self, filename, content, now):
        upload = self.ghec.accept_upload(filename, content, self.by_server_id, now)
        self.clock.call_later(self.ghec.upload_processing_seconds,
                              lambda when: self.ghec.finish_upload(upload, when))
        return upload

    # -- state changes from the spec or PATCH -------------------------------------
    def patch(self, appliance, fields):
        now = self.clock.now()
        fields = dict(fields)
        world_fields = {key: fields.pop(key) for key in list(fields) if key in fleet.WORLD_FIELDS}
        old_server_id = appliance.server_id
        try:
            fleet.check_fields(fields, "PATCH %s" % appliance.name)
            if "rtt_ms" in world_fields:
                fleet.rtt_ms(world_fields["rtt_ms"], "rtt_ms")
            appliance.apply(fields, now)
        except (TypeError, ValueError) as exc:
            raise HttpError(400, str(exc)) from exc
        if appliance.server_id != old_server_id:
            self.by_server_id.pop(old_server_id, None)
            self.by_server_id[appliance.server_id] = appliance
        self._apply_world_fields(appliance, world_fields, now)

    def _apply_world_fields(self, appliance, fields, now):
        if "connected" in fields:
            if fields["connected"]:
                self.connect(appliance, fields.get("connected_enterprise") or self.ghec.slug,
                             fields.get("target", "github_com"), fields.get("ghe_com_subdomain"), None, now)
            else:
                self.disconnect(appliance, None, now)
        elif appliance.connected and {"connected_enterprise", "target", "ghe_com_subdomain"} & set(fields):
            self.connect(appliance, fields.get("connected_enterprise", appliance.connected_enterprise),
                         fields.get("target", appliance.target),
                         fields.get("ghe_com_subdomain", appliance.ghe_com_subdomain), None, now)
        if "last_sync_days_ago" in fields:
            days = fields["last_sync_days_ago"]
            if days is None:
                self.ghec.sync_records.pop(appliance.server_id, None)
            else:
                status = fields.get("last_sync_status", "success")
                if status not in ("success", "failure"):
                    raise HttpError(400, "last_sync_status must be success or failure")
                error = fields.get("last_sync_error") or ("" if status == "success" else SYNC_ERROR_FAILED)
                self.ghec.record_sync(appliance, now - float(days) * DAY, status, error)
        if fields.get("retired_installation"):
            retired = fields["retired_installation"]
            if not isinstance(retired, dict) or set(retired) - {"server_id", "updated_days_ago", "last_sync_days_ago"}:
                raise HttpError(400, "retired_installation takes {server_id, updated_days_ago, last_sync_days_ago}")
            updated = now - float(retired.get("updated_days_ago", 30)) * DAY
            days = retired.get("last_sync_days_ago", retired.get("updated_days_ago", 30))
            self.ghec.add_retired_installation(
                appliance, retired.get("server_id") or "retired-%s" % appliance.server_id, updated,
                None if days is None else now - float(days) * DAY)
        if "rtt_ms" in fields:
            appliance.rtt_ms = fleet.rtt_ms(fields["rtt_ms"], "appliance %s: rtt_ms" % appliance.name)
            if self.server is not None:
                self.server.listeners[appliance.name].rtt = appliance.rtt_ms / 1000.0
        if "down" in fields:
            appliance.down = bool(fields["down"])
            if self.server is not None:
                self.set_down(appliance, appliance.down)

    def set_down(self, appliance, down):
        appliance.down = down
        if down:
            self.server.stop_listening(appliance.name)
        else:
            self.server.resume_listening(appliance.name)

    # -- views -------------------------------------------------------------------
    def appliance_summary(self, appliance):
        return {"name": appliance.name, "url": appliance.url, "version": appliance.version,
                "hostname": appliance.hostname, "connected": appliance.connected,
                "license_sync": appliance.license_sync, "pending_authorization": bool(appliance.pending),
                "maintenance": appliance.in_maintenance(self.clock.now()), "down": appliance.down}

    def appliance_view(self, appliance):
        now = self.clock.now()
        a = appliance
        record = self.ghec.sync_records.get(a.server_id)
        return {
            "name": a.name, "url": a.url, "manage_url": a.url, "port": a.port, "version": a.version,
            "hostname": a.hostname, "server_id": a.server_id, "enterprise_slug": a.enterprise_slug,
            "topology": a.topology, "platform": a.platform, "nodes": a.nodes,
            "connected": a.connected, "connected_enterprise": a.connected_enterprise, "target": a.target,
            "ghe_com_subdomain": a.ghe_com_subdomain, "pending_authorization": bool(a.pending),
            "authorization_url": a.pending["url"] if a.pending else None,
            "handshake_expired": self.handshake_expired(a, now),
            "features": {name: a.feature_enabled(name) for name in FEATURES},
            "feature_enabled_at": {name: iso(ts) for name, ts in a.features.items() if ts is not None},
            "license_sync": a.license_sync,
            "next_weekly_sync": iso(a.next_weekly_sync) if a.next_weekly_sync else None,
            "last_sync": record["last_sync"] if record else None,
            "air_gapped": a.air_gapped, "croquet_support": a.croquet_support, "two_factor": a.two_factor,
            "maintenance": a.in_maintenance(now), "maintenance_status": a.maintenance_status,
            "maintenance_scheduled_time": iso(a.maintenance_scheduled) if a.maintenance_scheduled else None,
            "config_runs": [{"run_id": run.run_id, "source": run.source, "started_at": iso(run.started),
                             "running": run.running(now), "successful": run.successful(now)}
                            for run in a.config_runs],
            "config_apply_seconds": a.config_apply_seconds, "config_apply_fail": a.config_apply_fail,
            "config_apply_hang": a.config_apply_hang, "approve_after": a.approve_after,
            "sync_seconds": a.sync_seconds, "sync_fail": a.sync_fail, "console_layout": a.console_layout,
            "users_revision": a.users_revision, "seats": a.seats, "seats_used": a.seats_used,
            "unlimited_seating": a.unlimited_seating, "license_status": a.license_status,
            "license_uploads": a.license_uploads, "ssh_keys": list(a.ssh_keys),
            "console_sessions": sum(1 for session in a.sessions.values() if session.user),
            "audit_log": list(a.audit_log), "down": a.down, "rtt_ms": a.rtt_ms,
        }
