"""GHEC REST and the API-side plumbing (docs/interfaces.md §4): token auth, scopes, rate limits,
license-sync-status, consumed-licenses, server-statistics, and POST /graphql."""
import datetime

from . import ghec_graphql, ghec_seats
from .clock import iso
from .httpmsg import HttpError, json_response

DOCS = "https://docs.github.com/enterprise-cloud@latest/rest"
# The REST API versions GHEC answers; a request naming another gets 400, as GitHub documents
# ("API Versions": an unsupported version is a 400 error). No header means 2022-11-28.
API_VERSIONS = ("2022-11-28",)
ENTERPRISE_SCOPES = "admin:enterprise, read:enterprise"


def _authenticate(ghec, request):
    value = request.token()
    if value is None:
        raise HttpError(401, "Requires authentication",
                        body={"message": "Requires authentication", "documentation_url": DOCS})
    token = ghec.tokens.get(value)
    if token is None:
        raise HttpError(401, "Bad credentials", body={"message": "Bad credentials", "documentation_url": DOCS})
    return token


def _enterprise_access(ghec, token, slug):
    """Scope first (it is the token's), then the enterprise, then ownership."""
    if not token.can_read_enterprise():
        raise HttpError(403, "scope", [("X-Accepted-OAuth-Scopes", ENTERPRISE_SCOPES)], body={
            "message": "This endpoint requires one of the following scopes: read:enterprise, admin:enterprise "
                       "(your token has: %s)" % (", ".join(token.scopes) or "no scopes"),
            "documentation_url": DOCS})
    if slug != ghec.slug:
        raise HttpError(404, "Not Found", body={"message": "Not Found", "documentation_url": DOCS})
    if not token.owner:
        raise HttpError(403, "owner", [("X-Accepted-OAuth-Scopes", ENTERPRISE_SCOPES)], body={
            "message": "You must be an enterprise owner to access this resource.", "documentation_url": DOCS})


def _page_args(request, default=30):
    try:
        per_page = max(1, min(100, int(request.arg("per_page", str(default)))))
        page = max(1, int(request.arg("page", "1")))
    except ValueError as exc:
        raise HttpError(422, "per_page and page must be numbers") from exc
    return per_page, page


def _link_header(base_url, path, per_page, page, total):
    last = max(1, -(-total // per_page))
    links = []
    if page < last:
        links.append('<%s%s?per_page=%d&page=%d>; rel="next"' % (base_url, path, per_page, page + 1))
        links.append('<%s%s?per_page=%d&page=%d>; rel="last"' % (base_url, path, per_page, last))
    if page > 1:
        links.append('<%s%s?per_page=%d&page=%d>; rel="prev"' % (base_url, path, per_page, page - 1))
        links.append('<%s%s?per_page=%d&page=1>; rel="first"' % (base_url, path, per_page))
    return [("Link", ", ".join(links))] if links else []


def license_sync_status(world, token, request, slug):
    _enterprise_access(world.ghec, token, slug)
    return json_response({"server_instances": list(world.ghec.sync_records.values())})


def _consumed_users(world):
    """Users consumed by the GHES installations that synced or uploaded, de-duplicated by e-mail,
    plus the enterprise's cloud-only members."""
    ghec = world.ghec
    users = [{"github_com_login": "cloud-user-%d" % i, "github_com_name": "Cloud User %d" % i,
              "enterprise_server_user_ids": [], "github_com_user": True, "enterprise_server_user": False,
              "visual_studio_subscription_user": False, "license_type": "enterprise",
              "github_com_profile": "https://github.com/cloud-user-%d" % i, "github_com_member_roles": ["acme:member"],
              "github_com_enterprise_roles": ["member"], "github_com_verified_domain_emails": [],
              "github_com_saml_name_id": None, "github_com_orgs_with_pending_invites": [],
              "github_com_two_factor_auth": True, "enterprise_server_emails": [],
              "visual_studio_license_status": None, "visual_studio_subscription_email": None,
              "total_user_accounts": 1} for i in range(1, ghec.cloud_users + 1)]
    by_email = {}
    for inst in ghec.installations:
        for k in range(1, (inst.synced_users or 0) + 1):
            email = "ghes-user-%d@example.com" % k
            entry = by_email.get(email)
            if entry is None:
                entry = by_email[email] = {
                    "github_com_login": None, "github_com_name": None, "enterprise_server_user_ids": [],
                    "github_com_user": False, "enterprise_server_user": True,
                    "visual_studio_subscription_user": False, "license_type": "enterprise",
                    "github_com_profile": None, "github_com_member_roles": [], "github_com_enterprise_roles": [],
                    "github_com_verified_domain_emails": [], "github_com_saml_name_id": None,
                    "github_com_orgs_with_pending_invites": [], "github_com_two_factor_auth": None,
                    "enterprise_server_emails": [email], "visual_studio_license_status": None,
                    "visual_studio_subscription_email": None, "total_user_accounts": 0}
            entry["enterprise_server_user_ids"].append("%s:%d" % (inst.host_name, k))
            entry["total_user_accounts"] += 1
    return users + list(by_email.values())


def _seat_hosts(world):
    """The realistic and scale scenarios' three appliances: the first three appliances' GHEC host names."""
    names = [a.ghec_name for a in list(world.appliances.values())[:3]]
    return tuple(names) if len(names) == 3 else ghec_seats.FALLBACK_HOSTS


def consumed_licenses(world, token, request, slug):
    _enterprise_access(world.ghec, token, slug)
    per_page, page = _page_args(request)
    faults = world.ghec.seat_faults
    if faults.get("fail_page") == page:
        raise HttpError(500, "Internal Server Error (simulated seat_faults.fail_page)")
    rows = ghec_seats.SeatRows(world.ghec.seat_scenario, _seat_hosts(world), lambda: _consumed_users(world))
    users = [] if faults.get("empty_page") == page else rows.page((page - 1) * per_page, page * per_page)
    body = {"total_seats_consumed": rows.total, "total_seats_purchased": world.ghec.seats_purchased, "users": users}
    links = _link_header(world.ghec_url, request.path, per_page, page, rows.total)
    if faults.get("skip_page") == page + 1:
        links = [(name, value.replace("page=%d>; rel=\"next\"" % (page + 1), "page=%d>; rel=\"next\"" % (page + 2)))
                 for name, value in links]
    return json_response(body, headers=links)


def server_statistics(world, token, request, slug):
    _enterprise_access(world.ghec, token, slug)
    for name in ("date_start", "date_end"):
        value = request.arg(name)
        if value:
            try:
                datetime.date.fromisoformat(value[:10])
            except ValueError as exc:
                raise HttpError(422, "%s must be a date (YYYY-MM-DD)" % name) from exc
    now = world.now()
    entries = []
    for appliance in world.appliances.values():
        if not (appliance.connected and appliance.connected_enterprise == world.ghec.slug
                and appliance.feature_enabled("server_statistics")):
            continue
        collected = now - float(appliance.statistics_days_ago or 0) * 86400.0
        entries.append({
            "server_id": appliance.server_id, "collection_date": iso(collected)[:10] + "T00:00:00Z",
            "schema_version": "20230306", "ghes_version": appliance.version, "host_name": appliance.ghec_name,
            "github_connect": {"features_enabled": [name for name, ts in appliance.features.items()
                                                    if ts is not None]},
            "ghe_stats": {
                "comments": {"total_commit_comments": 0, "total_gist_comments": 0, "total_issue_comments": 0,
                             "total_pull_request_comments": 0},
                "gists": {"total_gists": 0, "private_gists": 0, "public_gists": 0},
                "hooks": {"total_hooks": 0, "active_hooks": 0, "inactive_hooks": 0},
                "issues": {"total_issues": 0, "open_issues": 0, "closed_issues": 0},
                "orgs": {"total_orgs": 1, "disabled_orgs": 0, "total_teams": 0, "total_team_members": 0},
                "pages": {"total_pages": 0},
                "pulls": {"total_pulls": 0, "merged_pulls": 0, "mergeable_pulls": 0, "unmergeable_pulls": 0},
                "repos": {"total_repos": 0, "root_repos": 0, "fork_repos": 0, "org_repos": 0},
                "users": {"total_users": appliance.seats_used, "admin_users": 1, "suspended_users": 0},
            }})
    return json_response(entries)


def graphql(world, token, request):
    ctx = {"ghec": world.ghec, "token": token, "web_url": world.ghec_web_url}
    return json_response(ghec_graphql.execute(ctx, request.json()))


def _route(world, token, request):
    parts = request.path.strip("/").split("/")
    method = "GET" if request.method == "HEAD" else request.method
    if method == "POST" and parts == ["graphql"]:
        return graphql(world, token, request)
    if method == "GET" and parts == ["user"]:
        return json_response({"login": token.name, "id": 1000 + len(token.name), "type": "User"})
    if method == "GET" and len(parts) == 3 and parts[0] == "enterprises":
        handler = {"license-sync-status": license_sync_status, "consumed-licenses": consumed_licenses}.get(parts[2])
        if handler:
            return handler(world, token, request, parts[1])
    if method == "GET" and len(parts) == 3 and parts[0] == "enterprise-installation" \
            and parts[2] == "server-statistics":
        return server_statistics(world, token, request, parts[1])
    raise HttpError(404, "Not Found", body={"message": "Not Found", "documentation_url": DOCS})


def handle(world, request):
    """The API side of GHEC (everything not under /web)."""
    token = _authenticate(world.ghec, request)
    resource = "graphql" if request.path == "/graphql" else "core"
    if request.path == "/rate_limit":
        allowed, limit, remaining, reset = True, token.limit, token.limit - token.used[resource], \
            int(token.window[resource] + 3600)
    else:
        allowed, limit, remaining, reset = token.spend(resource, world.now())
    headers = [("X-OAuth-Scopes", ", ".join(token.scopes)), ("X-RateLimit-Limit", str(limit)),
               ("X-RateLimit-Remaining", str(remaining)), ("X-RateLimit-Reset", str(reset)),
               ("X-RateLimit-Used", str(limit - remaining)), ("X-RateLimit-Resource", resource),
               ("X-GitHub-Media-Type", "github.v3; format=json")]
    if not allowed:
        retry = max(1, int(reset - world.now()))
        return json_response({"message": "API rate limit exceeded for %s." % token.name, "documentation_url": DOCS},
                             403, headers + [("Retry-After", str(retry))])
    if request.path == "/rate_limit":
        core = {"limit": limit, "remaining": token.limit - token.used["core"], "used": token.used["core"],
                "reset": int(token.window["core"] + 3600)}
        gql = {"limit": limit, "remaining": token.limit - token.used["graphql"], "used": token.used["graphql"],
               "reset": int(token.window["graphql"] + 3600)}
        return json_response({"resources": {"core": core, "graphql": gql}, "rate": core}, headers=headers)
    version = request.header("x-github-api-version")
    if resource == "core":
        world.ghec.api_versions[version or "(none)"] = world.ghec.api_versions.get(version or "(none)", 0) + 1
        if version is not None and version not in API_VERSIONS:
            return json_response({"message": "Unsupported 'X-GitHub-Api-Version' header: %s. Supported versions: %s."
                                  % (version, ", ".join(API_VERSIONS)), "documentation_url": DOCS}, 400, headers)
    try:
        response = _route(world, token, request)
    except HttpError as exc:
        body = exc.body if exc.body is not None else {"message": exc.message, "documentation_url": DOCS}
        response = json_response(body, exc.status, exc.headers)
    response.headers.extend(headers)
    return response
