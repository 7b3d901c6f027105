"""The simulator's GHEC: token scopes, REST endpoints, GraphQL, and the usage upload flow."""
import json
import re
import time

import pytest
import requests

SIM_SPEC = {
    "enterprise": {"slug": "acme", "name": "Acme Corp"},
    "ghec_extra_installations": 260,
    # Long enough that a loaded machine still sees PENDING before processing ends.
    "upload_processing_seconds": 0.5,
    "appliances": [
        {"name": "conn", "version": "3.14.2", "connected": True, "license_sync": True, "last_sync_days_ago": 2,
         "features": {"server_statistics": True}},
        {"name": "offline", "version": "3.12.5"},
        {"name": "stale", "version": "3.15.1", "connected": True, "license_sync": True, "last_sync_days_ago": 12,
         "last_sync_status": "failure"},
    ],
}
QUERY = """
query($slug: String!, $first: Int, $after: String, $connectedOnly: Boolean = false) {
  enterprise(slug: $slug) {
    slug name viewerIsAdmin
    ownerInfo {
      enterpriseServerInstallations(first: $first, after: $after, connectedOnly: $connectedOnly) {
        nodes { id hostName customerName isConnected createdAt updatedAt
                userAccountsUploads(first: 5) { nodes { name syncState createdAt } } }
        pageInfo { hasNextPage endCursor }
        totalCount
      }
    }
  }
}"""


@pytest.fixture(scope="module")
def sim(module_simulator):
    return module_simulator


@pytest.fixture
def ctl(sim, control):
    return control(sim)


def api(sim, method, path, token="owner", **kw):
    headers = kw.pop("headers", {})
    if token:
        headers["Authorization"] = "token %s" % sim.info["ghec_tokens"].get(token, token)
    return requests.request(method, sim.ghec_url + path, headers=headers, verify=sim.ca_path, timeout=10, **kw)


def graphql(sim, query, variables=None, token="owner"):
    response = api(sim, "POST", "/graphql", token, json={"query": query, "variables": variables or {}})
    assert response.status_code == 200
    return response.json()


def test_unknown_or_missing_token_is_401(sim):
    answer = api(sim, "GET", "/enterprises/acme/license-sync-status", token="ghp_nope")
    assert answer.status_code == 401 and answer.json()["message"] == "Bad credentials"
    assert api(sim, "GET", "/enterprises/acme/license-sync-status", token=None).status_code == 401
    bearer = requests.get(sim.ghec_url + "/enterprises/acme/license-sync-status", verify=sim.ca_path,
                          headers={"Authorization": "Bearer " + sim.info["ghec_tokens"]["owner"]})
    assert bearer.status_code == 200


def test_headers_scopes_and_rate_limit(sim):
    answer = api(sim, "GET", "/enterprises/acme/license-sync-status")
    assert answer.headers["X-OAuth-Scopes"] == "admin:enterprise, read:enterprise"
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used"):
        assert answer.headers[name].isdigit()
    again = api(sim, "GET", "/enterprises/acme/license-sync-status")
    assert int(again.headers["X-RateLimit-Remaining"]) == int(answer.headers["X-RateLimit-Remaining"]) - 1


def test_missing_scope_non_owner_and_unknown_enterprise(sim):
    no_scope = api(sim, "GET", "/enterprises/acme/license-sync-status", token="noscope")
    assert no_scope.status_code == 403 and "read:enterprise" in no_scope.json()["message"]
    assert "read:enterprise" in no_scope.headers["X-Accepted-OAuth-Scopes"]
    assert no_scope.headers["X-OAuth-Scopes"] == ""
    assert api(sim, "GET", "/enterprises/acme/license-sync-status", token="reader").status_code == 403
    assert api(sim, "GET", "/enterprises/nope/license-sync-status").status_code == 404
    assert api(sim, "GET", "/enterprises/nope/consumed-licenses").status_code == 404


def test_license_sync_status(sim):
    body = api(sim, "GET", "/enterprises/acme/license-sync-status").json()
    records = {r["hostname"]: r for r in body["server_instances"]}
    assert set(records) == {"conn.example.com", "stale.example.com"}
    assert set(records["conn.example.com"]) == {"server_id", "hostname", "last_sync"}
    assert set(records["conn.example.com"]["last_sync"]) == {"date", "status", "error"}
    assert records["conn.example.com"]["last_sync"]["status"] == "success"
    assert records["stale.example.com"]["last_sync"]["status"] == "failure"
    assert records["stale.example.com"]["last_sync"]["error"]


def test_consumed_licenses_paginate(sim):
    first = api(sim, "GET", "/enterprises/acme/consumed-licenses", params={"per_page": 2, "page": 1})
    body = first.json()
    assert set(body) == {"total_seats_consumed", "total_seats_purchased", "users"}
    assert len(body["users"]) == 2 and body["total_seats_consumed"] > 2
    assert 'rel="next"' in first.headers["Link"]
    seen = []
    for page in range(1, 100):
        users = api(sim, "GET", "/enterprises/acme/consumed-licenses",
                    params={"per_page": 100, "page": page}).json()["users"]
        if not users:
            break
        seen += users
    assert len(seen) == body["total_seats_consumed"]
    assert {"github_com_login", "enterprise_server_user_ids", "license_type", "enterprise_server_emails",
            "total_user_accounts"} <= set(seen[-1])


def test_server_statistics_lists_appliances_sharing_statistics(sim):
    body = api(sim, "GET", "/enterprise-installation/acme/server-statistics",
               params={"date_start": "2024-01-01"}).json()
    assert [s["host_name"] for s in body] == ["conn.example.com"]
    assert set(body[0]["github_connect"]["features_enabled"]) == {"license_usage_sync", "server_statistics"}
    assert {"server_id", "collection_date", "ghes_version", "host_name", "github_connect", "ghe_stats"} <= set(body[0])


def test_graphql_paginates_over_all_installations(sim):
    nodes, after, pages = [], None, 0
    while True:
        data = graphql(sim, QUERY, {"slug": "acme", "first": 100, "after": after})
        assert "errors" not in data, data
        enterprise = data["data"]["enterprise"]
        assert enterprise["slug"] == "acme" and enterprise["viewerIsAdmin"] is True
        connection = enterprise["ownerInfo"]["enterpriseServerInstallations"]
        nodes += connection["nodes"]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == 3 and len(nodes) == 262 == connection["totalCount"]
    assert len({n["id"] for n in nodes}) == 262
    ours = {n["hostName"]: n for n in nodes if not n["hostName"].startswith("extra-")}
    assert set(ours) == {"conn.example.com", "stale.example.com"}
    assert ours["conn.example.com"]["isConnected"] is True
    fields = {"id", "hostName", "customerName", "isConnected", "createdAt", "updatedAt", "userAccountsUploads"}
    assert set(ours["conn.example.com"]) == fields
    connected = graphql(sim, QUERY, {"slug": "acme", "first": 100, "connectedOnly": True})
    only = connected["data"]["enterprise"]["ownerInfo"]["enterpriseServerInstallations"]
    assert only["totalCount"] < 262 and all(n["isConnected"] for n in only["nodes"])


def test_graphql_literals_aliases_and_edges(sim):
    data = graphql(sim, '''{ e: enterprise(slug: "acme") { name __typename ownerInfo {
        enterpriseServerInstallations(first: 2, connectedOnly: false) { edges { cursor node { hostName } } } } } }''')
    edges = data["data"]["e"]["ownerInfo"]["enterpriseServerInstallations"]["edges"]
    assert len(edges) == 2 and edges[0]["cursor"] and data["data"]["e"]["__typename"] == "Enterprise"


def test_graphql_errors(sim):
    missing = graphql(sim, '{ enterprise(slug: "nope") { slug } }')
    assert missing["data"] == {"enterprise": None}
    assert missing["errors"][0]["type"] == "NOT_FOUND" and missing["errors"][0]["path"] == ["enterprise"]
    unknown = graphql(sim, '{ enterprise(slug: "acme") { nope } }')
    assert "data" not in unknown and "doesn't exist on type 'Enterprise'" in unknown["errors"][0]["message"]
    mutation = graphql(sim, 'mutation { enableGitHubConnect(input: {}) { ok } }')
    assert "data" not in mutation and mutation["errors"]
    syntax = graphql(sim, '{ enterprise(slug: "acme" { slug } }')
    assert "Parse error" in syntax["errors"][0]["message"]
    too_many = graphql(sim, '{ enterprise(slug: "acme") { ownerInfo { enterpriseServerInstallations(first: 101) '
                            '{ totalCount } } } }')
    assert too_many["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    reader = graphql(sim, '{ enterprise(slug: "acme") { slug viewerIsAdmin ownerInfo { '
                          'enterpriseServerInstallations(first: 1) { totalCount } } } }', token="reader")
    assert reader["data"]["enterprise"]["viewerIsAdmin"] is False
    assert reader["data"]["enterprise"]["ownerInfo"] is None and reader["errors"][0]["type"] == "FORBIDDEN"
    scopeless = graphql(sim, '{ enterprise(slug: "acme") { slug } }', token="noscope")
    assert scopeless["errors"][0]["type"] == "INSUFFICIENT_SCOPES"


def export_of(sim, ctl, name):
    from simulator.browser import Browser
    info = sim.info["appliances"][name]
    b = Browser(info["url"], sim.ca_path)
    b.login(info["console_username"], info["console_password"])
    return b.get("/enterprises/github/settings/license/usage.json").content


def web(sim):
    s = requests.Session()
    s.verify = sim.ca_path
    s.trust_env = False
    s.cookies.set("user_session", sim.info["ghec_sessions"][0])
    return s


def upload(sim, session, filename, content):
    page = session.get(sim.ghec_web_url + "/enterprises/acme/settings/license", allow_redirects=False)
    assert page.status_code == 200
    action = re.search(r'<form action="([^"]+)" method="post" enctype="multipart/form-data"', page.text).group(1)
    assert action == "/web/enterprises/acme/settings/license/server_usage"
    token = re.search(r'name="authenticity_token" value="([^"]+)"', page.text).group(1)
    return session.post(sim.ghec_url + action, data={"authenticity_token": token},
                        files={"usage_file": (filename, content, "application/json")}, allow_redirects=False)


def uploads_of(sim, host):
    data = graphql(sim, QUERY, {"slug": "acme", "first": 100, "after": None})
    for page in range(5):
        connection = data["data"]["enterprise"]["ownerInfo"]["enterpriseServerInstallations"]
        for node in connection["nodes"]:
            if node["hostName"] == host:
                return node
        if not connection["pageInfo"]["hasNextPage"]:
            return None
        data = graphql(sim, QUERY, {"slug": "acme", "first": 100, "after": connection["pageInfo"]["endCursor"]})
    return None


def wait_state(sim, host, name, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        node = uploads_of(sim, host)
        states = {u["name"]: u["syncState"] for u in node["userAccountsUploads"]["nodes"]} if node else {}
        if states.get(name) not in (None, "PENDING") or time.monotonic() > deadline:
            return node, states.get(name)
        time.sleep(0.05)


def test_web_pages_need_a_session(sim):
    page = requests.get(sim.ghec_web_url + "/enterprises/acme/settings/license", verify=sim.ca_path,
                        allow_redirects=False, cookies={"user_session": "forged"})
    assert page.status_code == 302 and page.headers["Location"].startswith(sim.ghec_web_url + "/login")
    assert web(sim).get(sim.ghec_web_url + "/enterprises/nope/settings/license").status_code == 404


def test_upload_pending_then_success_creates_the_installation(sim, ctl):
    assert uploads_of(sim, "offline.example.com") is None
    session = web(sim)
    answer = upload(sim, session, "offline-usage.json", export_of(sim, ctl, "offline"))
    assert answer.status_code == 302
    node = uploads_of(sim, "offline.example.com")
    assert node["isConnected"] is False
    assert node["userAccountsUploads"]["nodes"][0]["syncState"] == "PENDING"
    node, state = wait_state(sim, "offline.example.com", "offline-usage.json")
    assert state == "SUCCESS"
    assert ctl.totals()["ghec"]["writes"] >= 1


def test_upload_failures(sim, ctl):
    session = web(sim)
    good = export_of(sim, ctl, "offline")
    bad_host = json.loads(good)
    bad_host["instance"]["host_name"] = "elsewhere.example.com"
    upload(sim, session, "wrong-host.json", json.dumps(bad_host).encode())
    assert wait_state(sim, "offline.example.com", "wrong-host.json")[1] == "FAILURE"
    ctl.patch_ghec(upload_result="FAILURE")
    upload(sim, session, "forced.json", good)
    assert wait_state(sim, "offline.example.com", "forced.json")[1] == "FAILURE"
    ctl.patch_ghec(upload_result="PENDING_FOREVER")
    upload(sim, session, "stuck.json", good)
    ctl.advance(60)
    assert wait_state(sim, "offline.example.com", "stuck.json", timeout=0.3)[1] == "PENDING"
    ctl.patch_ghec(upload_result="SUCCESS")
    upload(sim, session, "garbage.json", b"not json")
    garbage = [u for u in ctl.ghec()["uploads"] if u["name"] == "garbage.json"]
    assert garbage and garbage[0]["installation"] is None
    ctl.advance(1)
    assert [u for u in ctl.ghec()["uploads"] if u["name"] == "garbage.json"][0]["syncState"] == "FAILURE"
    # newest first, first: 5
    names = [u["name"] for u in uploads_of(sim, "offline.example.com")["userAccountsUploads"]["nodes"]]
    assert names[:3] == ["stuck.json", "forced.json", "wrong-host.json"]


def test_upload_needs_the_csrf_token(sim):
    answer = web(sim).post(sim.ghec_web_url + "/enterprises/acme/settings/license/server_usage",
                           data={"authenticity_token": "forged"}, files={"usage_file": ("x.json", b"{}")},
                           allow_redirects=False)
    assert answer.status_code == 422
