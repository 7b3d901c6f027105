"""HTML of the modelled site-admin console (docs/interfaces.md §6), and the names on it.

LAYOUTS holds every label, field name, marker and form path a client must find. The
"unknown" layout renames all of them, so a correct client refuses to act on it.
"""
from .appliance import FEATURE_LABELS, FEATURES
from .httpmsg import escape

LAYOUTS = {
    "default": {
        "not_enabled_text": "GitHub Connect is not enabled yet",
        "pending_text": "Connection pending approval",
        "expired_text": "You have not completed the setup process for GitHub Connect within 5 minutes.",
        "resume_button": "Complete your GitHub Connect setup",
        "resume_path": "/settings/dotcom_connection/resume_dotcom_connection",
        "enable_button": "Enable GitHub Connect",
        "disable_button": "Disable GitHub Connect",
        "target_field": "target",
        "subdomain_field": "ghe_com_subdomain",
        "feature_attr": "data-feature",
        "enabled_attr": "data-enabled",
        "account_attr": "data-connected-account",
        "target_attr": "data-connection-target",
        "authorization_attr": "data-authorization-url",
        "sync_field": "license_usage_sync",
        "sync_values": ("enabled", "disabled"),
        "sync_label_select": "Server can sync user license count and usage",
        "sync_label_button": "License sync",
        "sync_buttons": ("Enable", "Disable"),
        "sync_select_submit": "Update",
        "sync_path_select": "/settings/dotcom_connection/license_usage_sync",
        "sync_path_button": "/settings/dotcom_connection/features/license_usage_sync",
        "sync_now_path": "/settings/license/sync",
        "sync_now_button": "Sync now",
        "export_path": "/settings/license/usage.json",
        "export_text": "Export license usage",
        "feature_names": {},
    },
    "unknown": {
        "not_enabled_text": "This instance is not linked to a cloud account",
        "pending_text": "Waiting for the cloud account",
        "expired_text": "The link request timed out.",
        "resume_button": "Retry the link",
        "resume_path": "/settings/cloud_link/retry",
        "enable_button": "Link to cloud",
        "disable_button": "Unlink from cloud",
        "target_field": "destination",
        "subdomain_field": "cloud_tenant",
        "feature_attr": "data-capability",
        "enabled_attr": "data-state",
        "account_attr": "data-linked-account",
        "target_attr": "data-link-destination",
        "authorization_attr": "data-continue-url",
        "sync_field": "seat_reporting",
        "sync_values": ("on", "off"),
        "sync_label_select": "Report seat usage to the cloud",
        "sync_label_button": "Seat reporting",
        "sync_buttons": ("Turn on", "Turn off"),
        "sync_select_submit": "Save",
        "sync_path_select": "/settings/cloud_link/seat_reporting",
        "sync_path_button": "/settings/cloud_link/capabilities/seat_reporting",
        "sync_now_path": "/settings/license/report",
        "sync_now_button": "Report seats",
        "export_path": "/settings/license/seat-report.json",
        "export_text": "Download seat report",
        "feature_names": {"license_usage_sync": "seat_reporting", "unified_search": "global_search",
                          "unified_contributions": "shared_activity", "server_statistics": "usage_metrics",
                          "dotcom_actions": "cloud_workflows", "dependabot_alerts": "vulnerability_feed"},
    },
}

BUTTON_UI_SINCE = "3.14"     # newer UIs: "License sync" with an Enable/Disable button
GHE_COM_SINCE = "3.12"       # the GHE.com (data residency) target


def names(appliance):
    return LAYOUTS[appliance.console_layout]


def enterprise_path(appliance):
    return "/enterprises/%s" % appliance.enterprise_slug


def license_sync_path(appliance):
    key = "sync_path_button" if appliance.has(since=BUTTON_UI_SINCE) else "sync_path_select"
    return enterprise_path(appliance) + names(appliance)[key]


def page(title, body, flashes=()):
    flash_html = "".join(
        '<div class="flash flash-%s" role="%s">%s</div>\n'
        % (kind, "alert" if kind == "error" else "status", escape(text)) for kind, text in flashes)
    return ('<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>%s · GitHub Enterprise</title>'
            '</head>\n<body>\n<header class="Header">GitHub Enterprise</header>\n<main>\n%s%s\n</main>\n'
            '</body>\n</html>\n' % (escape(title), flash_html, body))


def _token(csrf):
    return '<input type="hidden" name="authenticity_token" value="%s">' % escape(csrf)


def login_page(csrf, return_to, flashes=()):
    return page("Sign in", """<h1>Sign in to GitHub Enterprise</h1>
<form action="/session" method="post" accept-charset="UTF-8">
%s
<input type="hidden" name="return_to" value="%s">
<label for="login_field">Username or email address</label>
<input type="text" name="login" id="login_field" autocomplete="username">
<label for="password">Password</label>
<input type="password" name="password" id="password" autocomplete="current-password">
<input type="submit" name="commit" value="Sign in">
</form>""" % (_token(csrf), escape(return_to)), flashes)


def two_factor_page(csrf, flashes=()):
    return page("Two-factor authentication", """<h1>Two-factor authentication</h1>
<form action="/sessions/two-factor" method="post" accept-charset="UTF-8">
%s
<label for="app_totp">Authentication code</label>
<input type="text" name="app_otp" id="app_totp" autocomplete="one-time-code" inputmode="numeric" maxlength="6">
<button type="submit">Verify</button>
</form>""" % _token(csrf), flashes)


def sudo_page(csrf, return_to, flashes=()):
    return page("Confirm access", """<h1>Confirm access</h1>
<form action="/sessions/sudo" method="post" accept-charset="UTF-8">
%s
<input type="hidden" name="return_to" value="%s">
<label for="sudo_password">Password</label>
<input type="password" name="sudo_password" id="sudo_password" autocomplete="current-password">
<button type="submit">Confirm password</button>
</form>""" % (_token(csrf), escape(return_to)), flashes)


def dashboard_page(appliance, user, flashes=()):
    base = enterprise_path(appliance)
    return page("Dashboard", """<h1>Welcome, %s</h1>
<nav><a href="%s/settings/dotcom_connection">GitHub Connect</a> <a href="%s/settings/license">License</a></nav>"""
                % (escape(user), base, base), flashes)


def _enable_form(appliance, n, csrf):
    options = '<option value="github_com" selected>GitHub.com</option>'
    subdomain = ""
    if appliance.has(since=GHE_COM_SINCE):
        options += '<option value="ghe_com">GHE.com</option>'
        subdomain = ('<label for="ghe_com_subdomain">GHE.com subdomain</label>\n'
                     '<input type="text" name="%s" id="ghe_com_subdomain" value="">\n' % n["subdomain_field"])
    return """<form action="%s/settings/dotcom_connection" method="post" accept-charset="UTF-8" class="js-enable-connect">
%s
<label for="connect_target">Connect to</label>
<select name="%s" id="connect_target">%s</select>
%s<button type="submit">%s</button>
</form>""" % (enterprise_path(appliance), _token(csrf), n["target_field"], options, subdomain, n["enable_button"])


def _disable_form(appliance, n, csrf):
    return """<form action="%s/settings/dotcom_connection" method="post" accept-charset="UTF-8" class="js-disable-connect">
<input type="hidden" name="_method" value="delete">
%s
<button type="submit">%s</button>
</form>""" % (enterprise_path(appliance), _token(csrf), n["disable_button"])


def _license_sync_feature(appliance, n, csrf):
    enabled = appliance.license_sync
    on_value, off_value = n["sync_values"]
    head = '<div class="feature" %s="%s" %s="%s">' % (
        n["feature_attr"], _feature_name(n, "license_usage_sync"), n["enabled_attr"], "true" if enabled else "false")
    if appliance.has(since=BUTTON_UI_SINCE):
        value = off_value if enabled else on_value
        button = n["sync_buttons"][1] if enabled else n["sync_buttons"][0]
        return """%s
<h3 id="license-sync-label">%s</h3>
<form action="%s" method="post" accept-charset="UTF-8" aria-labelledby="license-sync-label">
<input type="hidden" name="_method" value="put">
%s
<input type="hidden" name="%s" value="%s">
<button type="submit">%s</button>
</form>
</div>""" % (head, n["sync_label_button"], license_sync_path(appliance), _token(csrf), n["sync_field"], value, button)
    options = "".join('<option value="%s"%s>%s</option>' % (value, " selected" if selected else "", value.capitalize())
                      for value, selected in ((on_value, enabled), (off_value, not enabled)))
    return """%s
<form action="%s" method="post" accept-charset="UTF-8">
<input type="hidden" name="_method" value="put">
%s
<label for="license-sync-select">%s</label>
<select name="%s" id="license-sync-select">%s</select>
<button type="submit">%s</button>
</form>
</div>""" % (head, license_sync_path(appliance), _token(csrf), n["sync_label_select"], n["sync_field"], options,
             n["sync_select_submit"])


def _feature_name(n, name):
    return n["feature_names"].get(name, name)


def _readonly_feature(appliance, n, name):
    enabled = appliance.feature_enabled(name)
    return ('<div class="feature" %s="%s" %s="%s"><h3>%s</h3><p class="feature-state">%s</p></div>'
            % (n["feature_attr"], _feature_name(n, name), n["enabled_attr"], "true" if enabled else "false",
               escape(FEATURE_LABELS[name]), "Enabled" if enabled else "Disabled"))


def connect_page(appliance, csrf, flashes=(), expired=False):
    n = names(appliance)
    if appliance.connected:
        target = appliance.target or "github_com"
        where = "GHE.com (%s)" % appliance.ghe_com_subdomain if target == "ghe_com" else "GitHub.com"
        features = "\n".join(_license_sync_feature(appliance, n, csrf) if name == "license_usage_sync"
                             else _readonly_feature(appliance, n, name) for name in FEATURES)
        body = """<div class="connection" data-connection-state="connected" %s="%s" %s="%s">
<p>Connected to the enterprise account <strong>%s</strong> on %s.</p>
</div>
%s
<section class="features">
<h2>GitHub Connect features</h2>
%s
</section>""" % (n["account_attr"], escape(appliance.connected_enterprise), n["target_attr"], target,
                 escape(appliance.connected_enterprise), escape(where), _disable_form(appliance, n, csrf), features)
    elif appliance.pending and expired:
        body = """<div class="connection" data-connection-state="expired">
<p>%s</p>
</div>
<form action="%s%s" method="post" accept-charset="UTF-8" class="js-resume-connect">
%s
<button type="submit">%s</button>
</form>
%s""" % (n["expired_text"], enterprise_path(appliance), n["resume_path"], _token(csrf),
         n["resume_button"], _disable_form(appliance, n, csrf))
    elif appliance.pending:
        url = appliance.pending["url"]
        body = """<div class="connection" data-connection-state="pending">
<p>%s</p>
<a class="btn" href="%s" %s="%s">Continue to GitHub.com</a>
</div>
%s""" % (n["pending_text"], escape(url), n["authorization_attr"], escape(url), _disable_form(appliance, n, csrf))
    else:
        body = """<div class="blankslate" data-connection-state="not_enabled">
<p>%s</p>
</div>
%s""" % (n["not_enabled_text"], _enable_form(appliance, n, csrf))
    return page("GitHub Connect", "<h1>GitHub Connect</h1>\n" + body, flashes)


def license_page(appliance, csrf, last_sync, flashes=()):
    n = names(appliance)
    base = enterprise_path(appliance)
    seats = "Unlimited" if appliance.unlimited_seating else str(appliance.seats)
    sync = ""
    if appliance.connected and appliance.license_sync:
        sync = """<form action="%s%s" method="post" accept-charset="UTF-8">
%s
<button type="submit">%s</button>
</form>""" % (base, n["sync_now_path"], _token(csrf), n["sync_now_button"])
    status = "License sync is off."
    if appliance.license_sync:
        status = "Last sync: %s (%s)" % (last_sync["date"], last_sync["status"]) if last_sync else "Not synced yet."
    body = """<h1>License</h1>
<dl class="license"><dt>Seats</dt><dd>%s</dd><dt>Seats used</dt><dd>%d</dd></dl>
<section class="license-sync">
<h2>License sync</h2>
<p>%s</p>
%s
</section>
<p><a href="%s%s" download>%s</a></p>"""
    body %= (seats, appliance.seats_used, escape(status), sync, base, n["export_path"], n["export_text"])
    return page("License", body, flashes)


def not_found_page():
    return page("Page not found", "<h1>404</h1><p>This is not the web page you are looking for.</p>")


def unprocessable_page():
    return page("Unprocessable", "<h1>422</h1><p>The change you wanted was rejected.</p>")


def maintenance_page(message):
    return page("Maintenance", "<h1>Unicorn!</h1><p>This GitHub Enterprise instance is under maintenance.</p>"
                "<p>%s</p>" % escape(message or ""))
