"""The simulator's appliance APIs: Manage API, legacy /setup/api, GHES REST (docs/interfaces.md §1-3)."""
import json
import time

import pytest
import requests

from simulator.control_client import wait_for

VERSIONS = ["3.9.4", "3.10.3", "3.11.9", "3.12.5", "3.14.2", "3.15.1", "3.19.0"]
SIM_SPEC = {
    "appliances": [{"name": "v" + v.replace(".", "-"), "version": v, "config_apply_seconds": 0.3}
                   for v in VERSIONS]
    + [{"name": "ha", "version": "3.14.2", "topology": "Ha"},
       {"name": "unlimited", "version": "3.13.3", "unlimited_seating": True}],
}


def minor(version):
    return tuple(int(x) for x in version.split(".")[:2])


class Appliance:
    def __init__(self, sim, name):
        self.sim = sim
        self.name = name
        self.info = sim.info["appliances"][name]
        self.http = requests.Session()
        self.http.verify = sim.ca_path
        self.http.trust_env = False

    def manage(self, method, path, auth=True, **kw):
        if auth is True:
            auth = ("api_key", self.info["manage_password"])
        return self.http.request(method, self.info["manage_url"] + "/manage/v1" + path, auth=auth or None,
                                 timeout=10, **kw)

    def setup(self, method, path, auth=True, **kw):
        if auth is True:
            auth = ("api_key", self.info["manage_password"])
        return self.http.request(method, self.info["manage_url"] + "/setup/api" + path, auth=auth or None,
                                 timeout=10, **kw)

    def rest(self, path, token=True, **kw):
        headers = {}
        if token:
            headers["Authorization"] = "token %s" % (self.info["token"] if token is True else token)
        return self.http.get(self.info["url"] + "/api/v3" + path, headers=headers, timeout=10, **kw)


@pytest.fixture(scope="module")
def sim(module_simulator):
    return module_simulator


@pytest.fixture
def ctl(sim, control):
    return control(sim)


def by_version(sim, version):
    return Appliance(sim, "v" + version.replace(".", "-"))


# (method, path, first minor version, check of the 200 body)
def _version(body, app):
    assert isinstance(body, list) and body[0]["version"]["version"] == app.info["version"]
    assert set(body[0]) == {"hostname", "version"}
    assert set(body[0]["version"]) == {"version", "platform", "build_id", "build_date"}
    assert body[0]["version"]["platform"] in ("ami", "azure", "esx", "gce", "hyperv", "kvm")


def _status(body, app):
    assert body["status"] in ("UNKNOWN", "OK", "WARNING", "CRITICAL")
    for node in body["nodes"]:
        assert set(node) == {"hostname", "status", "services"}
        assert all(set(s) == {"status", "name", "details"} for s in node["services"])


def _nodes(body, app):
    assert body["topology"] == "SingleNode"
    assert set(body["nodes"][0]) == {"hostname", "uuid", "replica", "cluster_roles"}
    assert "WebServer" in body["nodes"][0]["cluster_roles"]


def _maintenance(body, app):
    assert set(body[0]) == {"hostname", "uuid", "status", "scheduled_time", "connection_services",
                            "can_unset_maintenance", "ip_exception_list", "maintenance_mode_message"}
    assert body[0]["status"] == "off"
    assert all(set(c) == {"name", "number"} for c in body[0]["connection_services"])


def _settings(body, app):
    for key in ("private_mode", "public_pages", "subdomain_isolation", "signup_enabled", "github_hostname",
                "identicons_host", "http_proxy", "auth_mode", "expire_sessions", "admin_password",
                "configuration_id", "configuration_run_count", "avatar", "customer", "license", "github_ssl",
                "ldap", "cas", "saml", "github_oauth", "smtp", "ntp", "timezone", "snmp", "syslog", "assets",
                "pages", "collectd", "mapping", "load_balancer"):
        assert key in body, key
    assert set(body["customer"]) == {"name", "email", "uuid", "secret_key_data", "public_key_data"}
    assert "password" in body["ldap"] and "client_secret" in body["github_oauth"] and "token" in body["mapping"]
    assert not any("connect" in key or "license_sync" in key for key in body)


def _license(body, app):
    assert isinstance(body, dict), "real appliances answer the bare object"
    assert set(body) == {"advancedSecurityEnabled", "advancedSecuritySeats", "clusterSupport", "company",
                         "croquetSupport", "customTerms", "evaluation", "expireAt", "insightsEnabled",
                         "insightsExpireAt", "learningLabEvaluationExpires", "learningLabSeats", "perpetual",
                         "referenceNumber", "seats", "sshAllowed", "supportKey", "unlimitedSeating"}
    assert body["supportKey"] is True and body["croquetSupport"] is True


def _check(body, app):
    assert body == {"status": "valid"}


def _apply(body, app):
    assert set(body) == {"running", "successful", "nodes"}
    assert set(body["nodes"][0]) == {"run_id", "hostname", "running", "successful"}


def _events(body, app):
    assert set(body["nodes"][0]) == {"node", "last_request_id", "events"}


def _requirements(body, app):
    assert body["status"] == "OK" and set(body["nodes"][0]) == {"hostname", "status", "roles_status"}


def _ssh(body, app):
    assert body == []


MANAGE_READS = [
    ("/version", "3.9", _version),
    ("/replication/status", "3.9", _status),
    ("/config/nodes", "3.10", _nodes),
    ("/maintenance", "3.10", _maintenance),
    ("/config/settings", "3.12", _settings),
    ("/config/license", "3.12", _license),
    ("/config/license/check", "3.12", _check),
    ("/config/apply", "3.12", _apply),
    ("/config/apply/events", "3.12", _events),
    ("/cluster/status", "3.12", _status),
    ("/checks/system-requirements", "3.12", _requirements),
    ("/access/ssh", "3.12", _ssh),
]
MANAGE_WRITES = [
    ("POST", "/maintenance", "3.10"), ("PUT", "/config/settings", "3.12"), ("PUT", "/config/license", "3.12"),
    ("POST", "/config/init", "3.12"), ("POST", "/config/apply", "3.12"), ("POST", "/access/ssh", "3.12"),
    ("DELETE", "/access/ssh", "3.12"),
]


@pytest.mark.parametrize("version", VERSIONS)
def test_manage_reads_are_gated_by_version_and_have_the_documented_shapes(sim, version):
    app = by_version(sim, version)
    for path, since, check in MANAGE_READS:
        response = app.manage("GET", path)
        if minor(version) >= minor(since):
            assert response.status_code == 200, (version, path, response.text)
            check(response.json(), app)
        else:
            assert response.status_code == 404, (version, path)


@pytest.mark.parametrize("version", VERSIONS)
def test_manage_writes_missing_from_a_version_answer_404(sim, version):
    app = by_version(sim, version)
    for method, path, since in MANAGE_WRITES:
        if minor(version) < minor(since):
            assert app.manage(method, path, json={}).status_code == 404, (version, method, path)


@pytest.mark.parametrize("version", ["3.9.4", "3.12.5", "3.19.0"])
def test_manage_auth_failures_are_401(sim, version):
    app = by_version(sim, version)
    assert app.manage("GET", "/version", auth=False).status_code == 401
    assert app.manage("GET", "/version", auth=("api_key", "wrong")).status_code == 401
    assert app.manage("GET", "/version", auth=("admin", app.info["manage_password"])).status_code == 401
    query = app.http.get(app.info["url"] + "/manage/v1/version", params={"api_key": app.info["manage_password"]})
    assert query.status_code == 401
    assert "WWW-Authenticate" in app.manage("GET", "/version", auth=False).headers


def test_manage_node_filters(sim):
    app = Appliance(sim, "ha")
    nodes = app.manage("GET", "/config/nodes").json()
    assert nodes["topology"] == "Ha" and [n["replica"] for n in nodes["nodes"]] == [False, True]
    one = app.manage("GET", "/version", params={"uuid": nodes["nodes"][1]["uuid"]}).json()
    assert [n["hostname"] for n in one] == [nodes["nodes"][1]["hostname"]]
    assert len(app.manage("GET", "/maintenance", params={"cluster_roles": "WebServer"}).json()) == 2
    assert app.manage("GET", "/maintenance", params={"cluster_roles": "NoSuchRole"}).json() == []


def test_settings_put_changes_top_level_keys(sim):
    app = by_version(sim, "3.12.5")
    assert app.manage("PUT", "/config/settings", json={"private_mode": True, "smtp": {"port": "587"}}) \
        .status_code == 204
    settings = app.manage("GET", "/config/settings").json()
    assert settings["private_mode"] is True and settings["smtp"]["port"] == "587"
    assert settings["smtp"]["address"] == "smtp.example.com"
    assert app.manage("PUT", "/config/settings", json={"no_such_key": 1}).status_code == 400


def test_license_put_and_init(sim):
    app = by_version(sim, "3.14.2")
    assert app.manage("PUT", "/config/license", params={"apply": "true"},
                      files={"license": ("x.ghl", b"LICENSE")}).status_code == 202
    assert app.manage("PUT", "/config/license", files={"license": ("x.ghl", b"LICENSE")}).status_code == 201
    assert app.manage("PUT", "/config/license", json={}).status_code == 400
    assert app.manage("POST", "/config/init", json={}).status_code == 400


SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f test"


def test_ssh_keys(sim):
    app = by_version(sim, "3.19.0")
    added = app.manage("POST", "/access/ssh", json={"key": SSH_KEY})
    assert added.status_code == 200 and added.json()[0]["modified"] is True
    assert [k["key"] for k in app.manage("GET", "/access/ssh").json()] == [SSH_KEY]
    assert app.manage("GET", "/access/ssh").json()[0]["fingerprint"].startswith("SHA256:")
    # the documented body needs Content-Type: application/json; a line that is no public key is refused
    assert app.manage("POST", "/access/ssh", data='{"key": "%s"}' % SSH_KEY).status_code == 415
    assert app.manage("POST", "/access/ssh", json={"key": "ssh-ed25519 AAAAC3Nza test"}).status_code == 400
    removed = app.manage("DELETE", "/access/ssh", json={"key": SSH_KEY})
    assert set(removed.json()[0]) == {"hostname", "uuid", "message", "modified"}
    assert app.manage("GET", "/access/ssh").json() == []


def test_config_apply_success_and_failure_with_events(sim, ctl):
    app = by_version(sim, "3.12.5")
    started = app.manage("POST", "/config/apply", json={"run_id": "d34db33f"})
    assert started.status_code == 200 and started.json() == {"run_id": "d34db33f"}
    status = app.manage("GET", "/config/apply", params={"run_id": "d34db33f"}).json()
    assert status["running"] is True and status["nodes"][0]["run_id"] == "d34db33f"
    assert app.manage("POST", "/config/apply").status_code == 409          # one run at a time
    done = wait_for(lambda: not app.manage("GET", "/config/apply").json()["running"])
    assert done and app.manage("GET", "/config/apply").json()["successful"] is True

    ctl.patch(app.name, config_apply_fail=True)
    run_id = app.manage("POST", "/config/apply").json()["run_id"]
    assert len(run_id) == 8
    wait_for(lambda: not app.manage("GET", "/config/apply").json()["running"])
    status = app.manage("GET", "/config/apply", params={"run_id": run_id}).json()
    assert status["running"] is False and status["successful"] is False
    events = app.manage("GET", "/config/apply/events").json()["nodes"][0]
    assert any(e["severity_text"] == "ERROR" for e in events["events"])
    assert all({"timestamp", "severity_text", "body", "event_name", "hostname", "config_run_id"} <= set(e)
               for e in events["events"])
    # paging on with last_request_id
    assert app.manage("GET", "/config/apply/events",
                      params={"last_request_id": events["last_request_id"]}).json()["nodes"][0]["events"] == []
    half = events["events"][1]["request_id"]
    rest = app.manage("GET", "/config/apply/events", params={"last_request_id": half}).json()
    assert len(rest["nodes"][0]["events"]) == len(events["events"]) - 2
    ctl.patch(app.name, config_apply_fail=False)


def test_config_apply_hang_until_released(sim, ctl):
    app = by_version(sim, "3.14.2")
    ctl.patch(app.name, config_apply_hang=True, config_apply_seconds=0.05)
    app.manage("POST", "/config/apply")
    time.sleep(0.2)
    assert app.manage("GET", "/config/apply").json()["running"] is True
    ctl.patch(app.name, config_apply_hang=False)
    status = app.manage("GET", "/config/apply").json()
    assert status["running"] is False and status["successful"] is True


def test_legacy_setup_api_exists_up_to_3_14_only(sim):
    for version in VERSIONS:
        app = by_version(sim, version)
        response = app.setup("GET", "/configcheck")
        if minor(version) <= (3, 14):
            assert response.status_code == 200, version
            assert response.json()["status"] in ("running", "success", "failed")
        else:
            assert response.status_code == 404, version
            assert app.setup("POST", "/configure").status_code == 404


def test_legacy_auth_and_api_key_query(sim):
    app = by_version(sim, "3.10.3")
    assert app.setup("GET", "/settings", auth=False).status_code == 401
    assert app.setup("GET", "/settings", auth=("api_key", "nope")).status_code == 401
    by_query = app.http.get(app.info["url"] + "/setup/api/settings", params={"api_key": app.info["manage_password"]})
    assert by_query.status_code == 200 and set(by_query.json()) == {"enterprise", "run_list"}


def test_legacy_config_run_fails_with_progress_on_3_11(sim, ctl):
    app = by_version(sim, "3.11.9")
    assert app.manage("POST", "/config/apply").status_code == 404        # 3.12+ only
    ctl.patch(app.name, config_apply_fail=True)
    assert app.setup("POST", "/configure").status_code == 202
    check = app.setup("GET", "/configcheck").json()
    assert check["status"] == "running"
    assert {p["status"] for p in check["progress"]} <= {"PENDING", "CONFIGURING", "DONE", "FAILED"}
    assert wait_for(lambda: app.setup("GET", "/configcheck").json()["status"] != "running")
    final = app.setup("GET", "/configcheck").json()
    assert final["status"] == "failed"
    assert [p["status"] for p in final["progress"]].count("FAILED") == 1
    assert all(set(p) == {"status", "key"} for p in final["progress"])
    ctl.patch(app.name, config_apply_fail=False)
    assert app.setup("POST", "/configure").status_code == 202
    assert wait_for(lambda: app.setup("GET", "/configcheck").json()["status"] == "success")


def test_legacy_settings_and_maintenance(sim):
    app = by_version(sim, "3.9.4")
    assert app.setup("PUT", "/settings",
                     data={"settings": json.dumps({"enterprise": {"public_pages": True}})}).status_code == 204
    assert app.setup("GET", "/settings").json()["enterprise"]["public_pages"] is True
    assert app.setup("PUT", "/settings", data={"settings": "not json"}).status_code == 400
    answer = app.setup("POST", "/maintenance", data={"maintenance": json.dumps({"enabled": True, "when": "now"})})
    assert answer.status_code == 200 and answer.json()["status"] == "on"
    assert set(answer.json()) == {"status", "scheduled_time", "connection_services"}
    assert app.rest("/meta").status_code == 503
    app.setup("POST", "/maintenance", data={"maintenance": json.dumps({"enabled": False})})
    assert app.setup("GET", "/maintenance").json()["status"] == "off"
    assert app.rest("/meta").status_code == 200


def test_maintenance_blocks_web_paths_but_not_manage(sim):
    app = by_version(sim, "3.15.1")
    answer = app.manage("POST", "/maintenance", json={"enabled": True, "when": "now",
                                                      "maintenance_mode_message": "back soon"})
    assert answer.status_code == 200 and set(answer.json()[0]) == {"hostname", "uuid", "message"}
    assert app.rest("/meta").status_code == 503
    assert app.rest("/meta").headers["X-GitHub-Enterprise-Version"] == "3.15.1"
    console = app.http.get(app.info["url"] + "/login", timeout=10)
    assert console.status_code == 503 and "back soon" in console.text
    assert app.manage("GET", "/version").status_code == 200
    assert app.manage("GET", "/maintenance").json()[0]["status"] == "on"
    app.manage("POST", "/maintenance", json={"enabled": False})
    assert app.rest("/meta").status_code == 200


def test_scheduled_maintenance_turns_on_at_its_time(sim, ctl):
    app = by_version(sim, "3.19.0")
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    app.manage("POST", "/maintenance", json={"enabled": True, "when": later})
    node = app.manage("GET", "/maintenance").json()[0]
    assert node["status"] == "scheduled" and node["scheduled_time"]
    ctl.advance(3700)
    assert app.manage("GET", "/maintenance").json()[0]["status"] == "on"
    app.manage("POST", "/maintenance", json={"enabled": False})


@pytest.mark.parametrize("version", VERSIONS)
def test_rest_license_meta_and_version_header(sim, version):
    app = by_version(sim, version)
    license_ = app.rest("/enterprise/settings/license")
    assert license_.status_code == 200
    assert license_.headers["X-GitHub-Enterprise-Version"] == version
    assert set(license_.json()) == {"seats", "seats_used", "seats_available", "kind", "days_until_expiration",
                                    "expire_at"}
    meta = app.rest("/meta")
    assert meta.json()["installed_version"] == version and meta.headers["X-GitHub-Enterprise-Version"] == version
    assert "site_admin" in license_.headers["X-OAuth-Scopes"]


def test_rest_auth_failures(sim):
    app = by_version(sim, "3.14.2")
    unknown = app.rest("/enterprise/settings/license", token="ghp_unknown")
    assert unknown.status_code == 401 and unknown.json()["message"] == "Bad credentials"
    assert unknown.headers["X-GitHub-Enterprise-Version"] == "3.14.2"
    assert app.rest("/enterprise/settings/license", token=False).status_code == 401
    nonadmin = app.rest("/enterprise/settings/license", token=app.info["nonadmin_token"])
    assert nonadmin.status_code == 404 and nonadmin.headers["X-GitHub-Enterprise-Version"] == "3.14.2"
    assert app.rest("/enterprises/github/audit-log", token=app.info["nonadmin_token"]).status_code == 404
    assert app.rest("/enterprises/other/audit-log").status_code == 404


def test_rest_unlimited_seats(sim):
    body = Appliance(sim, "unlimited").rest("/enterprise/settings/license").json()
    assert body["seats"] == "unlimited" and body["seats_available"] == "unlimited"
    assert isinstance(body["seats_used"], int)
    lic = Appliance(sim, "unlimited").manage("GET", "/config/license").json()
    assert lic["unlimitedSeating"] is True


def test_audit_log_records_connect_events(sim, ctl):
    app = by_version(sim, "3.19.0")
    ctl.click(app.name, "connect", True)
    ctl.click(app.name, "connect", False)
    events = app.rest("/enterprises/github/audit-log", params={"phrase": "action:dotcom_connection"}).json()
    assert [e["action"] for e in events] == ["dotcom_connection.destroy", "dotcom_connection.create"]
    assert all({"action", "actor", "created_at", "@timestamp"} <= set(e) for e in events)
    assert app.rest("/enterprises/github/audit-log", params={"phrase": "action:repo"}).json() == []
