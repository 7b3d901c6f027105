"""GHEC's consumed-licenses rows (docs/interfaces.md §4): who holds a seat, from which deployment.

Three sources of rows, chosen with ``PATCH /_control/ghec {"seat_scenario": ...}``:

- ``null`` (the default): the appliances' synced users, joined by e-mail, plus ``cloud_users``
  cloud-only members (what the rest of the simulator has always answered);
- ``"realistic"``: a small enterprise whose people exercise every documented shape - joined
  users, SAML, Visual Studio subscribers, three appliances (the first three appliances' GHEC
  host names, so the inventory matches them) and one retired appliance, and for each kind of
  unjoined pair one true pair and one look-alike (``REALISTIC_PAIRS``, read by the tests);
- ``{"kind": "scale", "users": N}``: N rows made on demand from their index (a 50,000-user
  enterprise costs no memory until a page is asked for), 3 % of them unjoined pairs.

``seat_faults`` (``{"fail_page": N}``: page N answers 500; ``{"skip_page": N}``: the ``Link``
of page N-1 points past page N; ``{"empty_page": N}``: page N has no users but still a next
link) make the paging failures the collection must notice.
"""

DOMAIN = "corp.example"
OLD_DOMAIN = "legacy.example"
RETIRED_HOST = "ghes-retired.corp.example"
FALLBACK_HOSTS = ("ghes-a.corp.example", "ghes-b.corp.example", "ghes-c.corp.example")

# The pairs the realistic scenario holds: rule -> (GHES-only e-mail, GHEC-only login) that is a duplicate,
# and the look-alike that must not be paired (None on the GHEC side: a look-alike with no single candidate).
REALISTIC_PAIRS = {
    "saml_name_id": {"true": ("Dana.Reyes@corp.example", "dreyes"), "look_alike": ("p.nguyen@corp.example", "pnguyen")},
    "verified_email_case": {"true": ("min.kim@corp.example", "mkim"),
                            "look_alike": ("lee.park@corp.example", "lparker")},
    "local_part_other_domain": {"true": ("omar.haddad@legacy.example", "ohaddad"),
                                "look_alike": ("sam@legacy.example", "sam-corp")},
    "login_is_local_part": {"true": ("jlopez@corp.example", "jlopez"), "look_alike": ("tchen@corp.example", "tchen")},
}


def _row(login=None, name=None, ids=(), ghec=False, ghes=False, emails=(), verified=(), name_id=None,
         vs=False, vs_status=None, vs_email=None, license_type="enterprise", roles=("member",)):
    """One user row in the documented shape (example values of GitHub's REST reference: empty strings
    for a GHEC side that does not exist, lists always present)."""
    ids = list(ids)
    return {
        "github_com_login": login or "", "github_com_name": name if ghec else None,
        "enterprise_server_user_ids": ids, "github_com_user": ghec, "enterprise_server_user": ghes,
        "visual_studio_subscription_user": vs, "license_type": license_type,
        "github_com_profile": ("https://github.com/%s" % login) if ghec else None,
        "github_com_member_roles": ["acme:Member"] if ghec else [],
        "github_com_enterprise_roles": list(roles) if ghec else [],
        "github_com_verified_domain_emails": list(verified), "github_com_saml_name_id": name_id,
        "github_com_orgs_with_pending_invites": [], "github_com_two_factor_auth": True if ghec else None,
        "enterprise_server_emails": list(emails), "visual_studio_license_status": vs_status,
        "visual_studio_subscription_email": vs_email, "total_user_accounts": (1 if ghec else 0) + len(ids),
    }


def realistic_rows(hosts):
    """The realistic enterprise on three appliance host names (``hosts``)."""
    h1, h2, h3 = hosts
    rows = []
    # People GitHub joined: GHES primary e-mail = GHEC verified e-mail; some on two appliances.
    for k in range(1, 13):
        login = "joined-%02d" % k
        email = "%s@%s" % (login, DOMAIN)
        ids = ["%s:%d" % (h1, 100 + k)] + (["%s:%d" % (h2, 200 + k)] if k % 3 == 0 else [])
        rows.append(_row(login, "Joined %d" % k, ids, True, True, [email], [email]))
    # Joined through SAML: the NameID is the GHES primary e-mail, no verified-domain e-mail.
    rows.append(_row("kosei", "K. Osei", ["%s:301" % h3], True, True, ["k.osei@corp.example"], [],
                     name_id="k.osei@corp.example"))
    # GHEC only, each with a verified-domain e-mail nobody on GHES has.
    for k in range(1, 6):
        login = "cloud-%02d" % k
        rows.append(_row(login, "Cloud %d" % k, ghec=True, verified=["%s@%s" % (login, DOMAIN)]))
    # GHES only, nobody on GHEC alike.
    for k in range(1, 5):
        rows.append(_row(ids=["%s:%d" % (h2 if k % 2 else h3, 400 + k)], ghes=True,
                         emails=["server-only-%02d@%s" % (k, DOMAIN)]))
    # Two people only on an appliance GHEC still counts but the inventory no longer has.
    for k in range(1, 3):
        rows.append(_row(ids=["%s:%d" % (RETIRED_HOST, 500 + k)], ghes=True,
                         emails=["retired-%02d@%s" % (k, DOMAIN)]))
    # Visual Studio subscribers: one matched to a GitHub user, one whose subscription found none.
    rows.append(_row("vs-dev", "VS Dev", ["%s:601" % h1], True, True, ["vs-dev@corp.example"], ["vs-dev@corp.example"],
                     vs=True, vs_status="matched", vs_email="vs-dev@corp.example", license_type="visual_studio"))
    rows.append(_row(vs=True, vs_status="pending", vs_email="vs-new@corp.example", license_type="visual_studio"))
    rows += _pair_rows(h1, h2, h3)
    return rows


def _pair_rows(h1, h2, h3):
    """Each kind of unjoined pair, true and look-alike (see REALISTIC_PAIRS)."""
    return [
        # SAML NameID = GHES e-mail in another letter case.
        _row(ids=["%s:701" % h1], ghes=True, emails=["Dana.Reyes@corp.example"]),
        _row("dreyes", "Dana Reyes", ghec=True, verified=["dreyes@corp.example"], name_id="dana.reyes@corp.example"),
        # Look-alike: a NameID that is a user name, not the GHES e-mail.
        _row(ids=["%s:702" % h2], ghes=True, emails=["p.nguyen@corp.example"]),
        _row("pnguyen", "Phuong Nguyen", ghec=True, verified=["phuong.nguyen@corp.example"], name_id="pnguyen"),
        # Verified e-mail = GHES e-mail in another letter case.
        _row(ids=["%s:703" % h1], ghes=True, emails=["min.kim@corp.example"]),
        _row("mkim", "Min Kim", ghec=True, verified=["Min.Kim@corp.example"]),
        # Look-alike: one address a prefix of the other.
        _row(ids=["%s:704" % h3], ghes=True, emails=["lee.park@corp.example"]),
        _row("lparker", "Lee Parker", ghec=True, verified=["lee.parker@corp.example"]),
        # Same local part, the GHES address on an old domain.
        _row(ids=["%s:705" % h2], ghes=True, emails=["omar.haddad@legacy.example"]),
        _row("ohaddad", "Omar Haddad", ghec=True, verified=["omar.haddad@corp.example"]),
        # Look-alike: a local part two GHES people share, so no single person.
        _row(ids=["%s:706" % h1], ghes=True, emails=["sam@legacy.example"]),
        _row(ids=["%s:707" % h2], ghes=True, emails=["sam@build.example"]),
        _row("sam-corp", "Sam", ghec=True, verified=["sam@corp.example"]),
        # A GHEC user without any verified-domain e-mail whose login is the GHES local part.
        _row(ids=["%s:708" % h1], ghes=True, emails=["jlopez@corp.example"]),
        _row("jlopez", "J. Lopez", ghec=True, verified=[]),
        # Look-alike: the login is the local part, but the GHEC user has another verified-domain e-mail.
        _row(ids=["%s:709" % h3], ghes=True, emails=["tchen@corp.example"]),
        _row("tchen", "Tony Chen", ghec=True, verified=["tony.chen@corp.example"]),
    ]


def scale_row(index, hosts):
    """Row ``index`` of the scale scenario: per hundred rows, 80 joined, 10 GHEC only, 4 GHES only and
    three unjoined pairs (SAML NameID, e-mail case, local part on another domain)."""
    block, slot = divmod(index, 100)
    host = hosts[index % len(hosts)]
    person = "p%07d" % index
    if slot < 80:
        email = "%s@%s" % (person, DOMAIN)
        return _row(person, person, ["%s:%d" % (host, index)], True, True, [email], [email])
    if slot < 90:
        return _row(person, person, ghec=True, verified=["%s@%s" % (person, DOMAIN)])
    if slot < 94:
        return _row(ids=["%s:%d" % (host, index)], ghes=True, emails=["%s@%s" % (person, DOMAIN)])
    pair, half = divmod(slot - 94, 2)
    who = "pair%06d-%d" % (block, pair)
    if half == 0:
        email = {0: "%s@%s" % (who.upper(), DOMAIN), 1: "%s@%s" % (who, DOMAIN), 2: "%s@%s" % (who, OLD_DOMAIN)}[pair]
        return _row(ids=["%s:%d" % (host, index)], ghes=True, emails=[email])
    login = "gh-" + who
    if pair == 0:
        return _row(login, who, ghec=True, verified=["%s@%s" % (login, DOMAIN)], name_id="%s@%s" % (who, DOMAIN))
    if pair == 1:
        return _row(login, who, ghec=True, verified=["%s@%s" % (who.upper(), DOMAIN)])
    return _row(login, who, ghec=True, verified=["%s@%s" % (who, DOMAIN)])


class SeatRows:
    """The rows of the chosen scenario, by index (a scale scenario never holds them all)."""

    def __init__(self, scenario, hosts, synced_rows):
        self.scenario = scenario
        self.hosts = hosts
        if scenario is None:
            self._rows = synced_rows()
        elif scenario == "realistic":
            self._rows = realistic_rows(hosts)
        else:
            self._rows = None
            self.total = int(scenario["users"])
        if self._rows is not None:
            self.total = len(self._rows)

    def page(self, start, stop):
        stop = min(stop, self.total)
        if self._rows is not None:
            return self._rows[start:stop]
        return [scale_row(index, self.hosts) for index in range(start, stop)]


def check_scenario(value):
    """``value`` as a seat scenario, or ValueError saying what is accepted."""
    if value is None or value == "realistic":
        return value
    if isinstance(value, dict) and value.get("kind") == "scale" and set(value) <= {"kind", "users"} \
            and isinstance(value.get("users"), int) and 0 <= value["users"] <= 1000000:
        return value
    raise ValueError("seat_scenario must be null, \"realistic\" or {\"kind\": \"scale\", \"users\": N} (N <= 1,000,000)")


def check_faults(value):
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - {"fail_page", "skip_page", "empty_page"} \
            or not all(isinstance(v, int) and v >= 1 for v in value.values()):
        raise ValueError("seat_faults takes {fail_page, skip_page, empty_page}: page numbers from 1")
    return value
