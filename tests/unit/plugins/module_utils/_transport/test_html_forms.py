# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._transport.html_forms import Page

PAGE = '''
<html><body>
<div class="flash flash-error">Incorrect <b>username</b> or password.</div>
<div data-connected-account="acme" data-connection-target="github_com"></div>
<form action="/enterprises/github/settings/dotcom_connection/features" method="post">
  <input type="hidden" name="authenticity_token" value="tok">
  <input type="hidden" name="_method" value="put">
  <label>Server can sync user license count and usage</label>
  <select name="license_usage_sync" data-feature="license_usage_sync" data-enabled="true">
    <option value="enabled" selected>Enabled</option><option value="disabled">Disabled</option>
  </select>
  <button type="submit">Update</button>
</form>
<div data-feature="server_statistics" data-enabled="false"></div>
<script>var x = "<form action='/evil'>";</script>
</body></html>
'''


def test_reads_forms_controls_markers_and_flashes():
    page = Page(PAGE)
    assert len(page.forms) == 1
    form = page.forms[0]
    assert form.action == '/enterprises/github/settings/dotcom_connection/features'
    assert form.fields == {'authenticity_token': 'tok', '_method': 'put', 'license_usage_sync': 'enabled'}
    assert form.options['license_usage_sync'] == ['enabled', 'disabled']
    assert form.button('Update') is not None
    assert page.marker('data-connected-account') == 'acme'
    assert page.features() == {'license_usage_sync': True, 'server_statistics': False}
    assert page.flash_errors == ['Incorrect username or password.']
    assert page.has_text('Server can sync user license count and usage')


def test_select_without_selected_option_submits_the_first():
    page = Page('<form action="/a"><select name="target"><option value="github_com">x</option>'
                '<option value="ghe_com">y</option></select><button>Enable GitHub Connect</button></form>')
    form = page.forms[0]
    assert form.fields['target'] == 'github_com'
    assert page.find_forms(control='target', button='Enable GitHub Connect') == [form]
    assert page.find_forms(button='Disable GitHub Connect') == []


def test_a_feature_shown_twice_with_different_values_is_unread_not_the_last():
    page = Page('<div data-feature="license_usage_sync" data-enabled="false"></div>'
                '<div data-feature="license_usage_sync" data-enabled="true"></div>'
                '<div data-feature="server_statistics" data-enabled="true"></div>'
                '<div data-feature="server_statistics" data-enabled="true"></div>')
    assert page.features() == {'server_statistics': True}
