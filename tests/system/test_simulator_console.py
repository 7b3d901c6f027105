"""The simulator's modelled console (docs/interfaces.md §6): sessions, 2FA, CSRF, sudo, the
GitHub Connect page in both license-sync UIs, Sync now, and the usage export."""
import json
import re
import time
import urllib.parse

import pytest
import requests

from simulator import totp
from simulator.browser import Browser, forms
from simulator.control_client import wait_for

CONNECT = "/enterprises/github/settings/dotcom_connection"
LICENSE = "/enterprises/github/settings/license"
SIM_SPEC = {
    "defaults": {"sync_seconds": 0.1},
    "appliances": [
        {"name": "old", "version": "3.11.9"},
        {"name": "select", "version": "3.13.3", "connected": True},
        {"name": "button", "version": "3.14.2", "connected": True},
        {"name": "fresh", "version": "3.19.0"},
        {"name": "twofa", "version": "3.15.1", "two_factor": True},
        {"name": "gapped", "version": "3.12.5", "air_gapped": True},
        {"name": "auto", "version": "3.16.0", "approve_after": 0.2},
        {"name": "synced", "version": "3.17.1", "connected": True, "license_sync": True},
        {"name": "layout", "version": "3.14.2", "connected": True, "console_layout": "unknown"},
        {"name": "export", "version": "3.15.1", "connected": True, "license_sync": True},
    ],
}


@pytest.fixture(scope="module")
def sim(module_simulator):
    return module_simulator


@pytest.fixture
def ctl(sim, control):
    return control(sim)


def browser(sim, name):
    return Browser(sim.info["appliances"][name]["url"], sim.ca_path)


def signed_in(sim, name, return_to="/"):
    info = sim.info["appliances"][name]
    b = browser(sim, name)
    answer = b.login(info["console_username"], info["console_password"], return_to)
    assert answer.status_code == 302, answer.text
    return b


def sudo(sim, b, name):
    """Post the Confirm access form on the current page."""
    form = b.form("/sessions/sudo")
    answer = b.submit(form, sudo_password=sim.info["appliances"][name]["console_password"])
    assert answer.status_code == 302
    return answer


def ghec_graphql(sim, query):
    response = requests.post(sim.ghec_url + "/graphql", json={"query": query}, verify=sim.ca_path,
                             headers={"Authorization": "bearer %s" % sim.info["ghec_token"]}, timeout=10)
    return response.json()


def attr(page, name):
    match = re.search(r'%s="([^"]*)"' % re.escape(name), page)
    return match.group(1) if match else None


def test_login_sets_a_secure_session_and_redirects_to_return_to(sim):
    b = browser(sim, "fresh")
    page = b.get("/login?return_to=" + urllib.parse.quote(CONNECT))
    form = b.form("/session")
    assert form.method == "post" and {"authenticity_token", "login", "password"} <= set(form.fields)
    info = sim.info["appliances"]["fresh"]
    answer = b.submit(form, login=info["console_username"], password=info["console_password"])
    assert answer.status_code == 302 and answer.headers["Location"].endswith(CONNECT)
    cookie = answer.headers["Set-Cookie"]
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()
    assert page.status_code == 200
    page = b.get(CONNECT)
    assert page.status_code == 200 and "GitHub Connect is not enabled yet" in page.text


def test_wrong_password_shows_the_login_form_again_with_an_error(sim):
    b = browser(sim, "fresh")
    answer = b.login("ghe-admin", "wrong")
    assert answer.status_code == 200
    assert 'class="flash flash-error"' in answer.text and 'action="/session"' in answer.text


def test_no_or_expired_session_redirects_to_login(sim, ctl):
    b = browser(sim, "fresh")
    answer = b.get(CONNECT)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/login?return_to=" + urllib.parse.quote(CONNECT, safe=""))
    b = signed_in(sim, "fresh")
    assert b.get(CONNECT).status_code == 200
    ctl.expire_session("fresh")
    assert b.get(CONNECT).status_code == 302
    assert "/login?return_to=" in b.page.headers["Location"]


def test_csrf_token_is_bound_to_the_session(sim):
    b = browser(sim, "fresh")
    b.get("/login")
    form = b.form("/session")
    info = sim.info["appliances"]["fresh"]
    assert b.submit(form, authenticity_token="forged", login=info["console_username"],
                    password=info["console_password"]).status_code == 422
    other = browser(sim, "fresh")
    assert other.post("/session", form.data(login=info["console_username"],
                                            password=info["console_password"])).status_code == 422
    b = signed_in(sim, "fresh")
    b.get(CONNECT)
    enable = b.form(CONNECT, "Enable GitHub Connect")
    assert b.submit(enable, authenticity_token="forged").status_code == 422


def test_non_admins_get_404(sim):
    info = sim.info["appliances"]["fresh"]
    b = browser(sim, "fresh")
    assert b.login(info["nonadmin_console_username"], info["nonadmin_console_password"]).status_code == 302
    assert b.get(CONNECT).status_code == 404
    assert b.get(LICENSE).status_code == 404


def test_two_factor_login(sim):
    info = sim.info["appliances"]["twofa"]
    b = browser(sim, "twofa")
    answer = b.login(info["console_username"], info["console_password"], CONNECT)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/sessions/two-factor")
    b.get("/sessions/two-factor")
    form = b.form("/sessions/two-factor")
    assert {"authenticity_token", "app_otp"} <= set(form.fields)
    wrong = b.submit(form, app_otp="000000" if totp.code(info["totp_secret"]) != "000000" else "111111")
    assert wrong.status_code == 200 and "flash-error" in wrong.text
    assert b.get(CONNECT).status_code == 302                   # not signed in yet
    b.get("/sessions/two-factor")
    answer = b.submit(b.form("/sessions/two-factor"), app_otp=totp.code(info["totp_secret"]))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(CONNECT)
    assert b.get(CONNECT).status_code == 200


def test_totp_accepts_one_step_either_side():
    secret = totp.new_secret()
    now = time.time()
    assert totp.verify(secret, totp.code(secret, now - 30))
    assert totp.verify(secret, totp.code(secret, now + 30))
    assert not totp.verify(secret, totp.code(secret, now - 95))
    # RFC 6238 appendix B, SHA-1, 8 digits truncated to our 6
    rfc_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp.code(rfc_secret, 59) == "287082"


def test_enable_pending_approve_connected_then_disable(sim, ctl):
    b = signed_in(sim, "fresh", CONNECT)
    page = b.get(CONNECT)
    enable = b.form(CONNECT, "Enable GitHub Connect")
    assert enable.selects["target"] == ["github_com", "ghe_com"] and "ghe_com_subdomain" in enable.fields
    confirm = b.submit(enable, target="github_com")
    assert confirm.status_code == 200 and "Confirm access" in confirm.text
    b.page = confirm
    form = b.form("/sessions/sudo")
    assert form.fields["return_to"] == CONNECT and "sudo_password" in form.fields
    sudo(sim, b, "fresh")
    answer = b.submit(enable, target="github_com")
    assert answer.status_code == 302
    url = answer.headers["Location"]
    assert url.startswith(sim.ghec_web_url + "/enterprise_connect/authorize?request=")
    page = b.get(CONNECT).text
    assert "Connection pending approval" in page and attr(page, "data-authorization-url") == url
    assert ctl.appliance("fresh")["pending_authorization"] is True
    ctl.approve("fresh")
    page = b.get(CONNECT).text
    assert attr(page, "data-connected-account") == "acme"
    assert attr(page, "data-connection-target") == "github_com"
    features = dict(re.findall(r'data-feature="([a-z_]+)" data-enabled="(true|false)"', page))
    assert features == {"license_usage_sync": "false", "unified_search": "false", "unified_contributions": "false",
                        "server_statistics": "false", "dotcom_actions": "false", "dependabot_alerts": "false"}
    data = ghec_graphql(sim, '{ enterprise(slug: "acme") { ownerInfo { enterpriseServerInstallations('
                             'first: 100) { nodes { hostName isConnected } } } } }')
    nodes = data["data"]["enterprise"]["ownerInfo"]["enterpriseServerInstallations"]["nodes"]
    assert {"hostName": "fresh.example.com", "isConnected": True} in nodes
    disable = b.form(CONNECT, "Disable GitHub Connect")
    assert disable.fields["_method"] == "delete"
    assert b.submit(disable).status_code == 302            # sudo is still active
    assert "GitHub Connect is not enabled yet" in b.get(CONNECT).text
    assert ctl.appliance("fresh")["connected"] is False
    actions = [e["action"] for e in ctl.appliance("fresh")["audit_log"]]
    assert actions == ["dotcom_connection.create", "dotcom_connection.destroy"]


def test_reject_leaves_the_appliance_not_connected(sim, ctl):
    b = signed_in(sim, "old", CONNECT)
    b.get(CONNECT)
    enable = b.form(CONNECT, "Enable GitHub Connect")
    assert enable.selects["target"] == ["github_com"] and "ghe_com_subdomain" not in enable.fields   # < 3.12
    b.page = b.submit(enable)
    sudo(sim, b, "old")
    assert b.submit(enable, target="ghe_com").status_code == 422
    assert b.submit(enable).status_code == 302
    ctl.reject("old")
    assert "GitHub Connect is not enabled yet" in b.get(CONNECT).text


def test_approval_after_a_delay_and_to_another_enterprise(sim, ctl):
    b = signed_in(sim, "auto", CONNECT)
    b.get(CONNECT)
    enable = b.form(CONNECT, "Enable GitHub Connect")
    b.page = b.submit(enable)
    sudo(sim, b, "auto")
    assert b.submit(enable, target="ghe_com", ghe_com_subdomain="acme-eu").status_code == 302
    assert wait_for(lambda: ctl.appliance("auto")["connected"])
    page = b.get(CONNECT).text
    assert attr(page, "data-connection-target") == "ghe_com"
    ctl.click("auto", "connect", False)
    ctl.patch("auto", approve_after=None)
    b.get(CONNECT)
    b.submit(b.form(CONNECT, "Enable GitHub Connect"))
    ctl.approve("auto", enterprise="someone-else")
    assert attr(b.get(CONNECT).text, "data-connected-account") == "someone-else"


def test_sudo_expires_with_the_session(sim, ctl):
    b = signed_in(sim, "gapped", CONNECT)
    b.get(CONNECT)
    b.page = b.submit(b.form(CONNECT, "Enable GitHub Connect"))
    sudo(sim, b, "gapped")
    ctl.advance(2 * 3600 + 1)
    b.get(CONNECT)
    answer = b.submit(b.form(CONNECT, "Enable GitHub Connect"))
    assert "Confirm access" in answer.text
    b.page = answer
    wrong = b.submit(b.form("/sessions/sudo"), sudo_password="wrong")
    assert wrong.status_code == 200 and "flash-error" in wrong.text


def test_air_gapped_appliance_cannot_connect(sim, ctl):
    b = signed_in(sim, "gapped", CONNECT)
    b.get(CONNECT)
    enable = b.form(CONNECT, "Enable GitHub Connect")
    b.page = b.submit(enable)
    sudo(sim, b, "gapped")
    answer = b.submit(enable)
    assert answer.status_code == 200 and 'class="flash flash-error"' in answer.text
    assert "GitHub Connect is not enabled yet" in answer.text
    assert ctl.appliance("gapped")["connected"] is False


def test_license_sync_select_ui_up_to_3_13(sim, ctl):
    b = signed_in(sim, "select", CONNECT)
    page = b.get(CONNECT).text
    assert "Server can sync user license count and usage" in page
    form = next(f for f in forms(page) if "license_usage_sync" in f.selects)
    assert form.selects["license_usage_sync"] == ["enabled", "disabled"]
    assert form.fields["license_usage_sync"] == "disabled" and form.buttons
    assert re.search(r'<option value="disabled" selected>', page)
    answer = b.submit(form, license_usage_sync="enabled")
    assert answer.status_code == 302
    page = b.get(CONNECT).text
    assert re.search(r'<option value="enabled" selected>', page)
    assert 'data-feature="license_usage_sync" data-enabled="true"' in page
    # enabling on a connected appliance schedules a first sync
    server_id = sim.info["appliances"]["select"]["server_id"]

    def record_of_select():
        status = requests.get(sim.ghec_url + "/enterprises/acme/license-sync-status", verify=sim.ca_path,
                              headers={"Authorization": "token " + sim.info["ghec_token"]}).json()
        return [s for s in status["server_instances"] if s["server_id"] == server_id]
    record = wait_for(record_of_select)
    assert record and record[0]["last_sync"]["status"] == "success"


def test_license_sync_button_ui_from_3_14(sim, ctl):
    b = signed_in(sim, "button", CONNECT)
    page = b.get(CONNECT).text
    assert "Server can sync user license count and usage" not in page and "License sync" in page
    form = b.form(button="Enable")
    assert form.fields["license_usage_sync"] == "enabled" and "license_usage_sync" not in form.selects
    assert b.submit(form).status_code == 302
    b.get(CONNECT)
    form = b.form(button="Disable")
    assert form.fields["license_usage_sync"] == "disabled"
    assert ctl.appliance("button")["features"]["license_usage_sync"] is True
    b.submit(form)
    assert ctl.appliance("button")["features"]["license_usage_sync"] is False


def test_sync_now_records_a_sync_on_ghec(sim, ctl):
    b = signed_in(sim, "synced", LICENSE)
    page = b.get(LICENSE)
    form = b.form(LICENSE + "/sync", "Sync now")
    answer = b.submit(form)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(LICENSE)
    assert "Sync scheduled" in b.get(LICENSE).text
    assert page.status_code == 200
    assert wait_for(lambda: ctl.appliance("synced")["last_sync"])["status"] == "success"
    ctl.patch("synced", air_gapped=True)
    first = ctl.appliance("synced")["last_sync"]
    b.get(LICENSE)
    b.submit(b.form(LICENSE + "/sync", "Sync now"))
    assert wait_for(lambda: ctl.appliance("synced")["last_sync"]["status"] == "failure")
    failed = ctl.appliance("synced")["last_sync"]
    assert failed["error"] and failed["date"] >= first["date"]
    ctl.patch("synced", air_gapped=False, license_sync=False)
    assert "Sync now" not in b.get(LICENSE).text


def test_export_is_deterministic_and_follows_the_users(sim, ctl):
    b = signed_in(sim, "export", LICENSE)
    page = b.get(LICENSE).text
    assert 'href="%s/usage.json"' % LICENSE in page and "Export license usage" in page
    first = b.get(LICENSE + "/usage.json")
    assert first.status_code == 200 and first.headers["Content-Disposition"].startswith("attachment")
    assert b.get(LICENSE + "/usage.json").content == first.content
    usage = json.loads(first.content)
    assert set(usage) == {"instance", "users"}
    assert set(usage["instance"]) == {"server_id", "host_name", "version", "http_only", "license_hash",
                                      "public_key", "features"}
    assert usage["instance"]["features"] == [{"name": "license_usage_sync",
                                              "enabled_at": usage["instance"]["features"][0]["enabled_at"]}]
    assert usage["users"] in ctl.secrets("export")
    ctl.patch("export", users_revision=2)
    second = b.get(LICENSE + "/usage.json").content
    assert second != first.content and json.loads(second)["instance"] == usage["instance"]


def test_unknown_layout_offers_nothing_a_client_recognises(sim, ctl):
    b = signed_in(sim, "layout", CONNECT)
    page = b.get(CONNECT).text
    for marker in ("data-feature=", "data-connected-account=", "license_usage_sync", "License sync",
                   "Disable GitHub Connect"):
        assert marker not in page
    license_page = b.get(LICENSE).text
    assert "Export license usage" not in license_page
    # a client that guesses the usual form anyway changes nothing
    token = re.search(r'name="authenticity_token" value="([^"]+)"', page).group(1)
    guess = b.post(CONNECT + "/features/license_usage_sync",
                   {"authenticity_token": token, "_method": "put", "license_usage_sync": "enabled"})
    assert guess.status_code == 404
    assert ctl.appliance("layout")["license_sync"] is False
