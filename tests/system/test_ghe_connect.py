# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_connect and ghe_connect_info, by real ansible-playbook runs against the simulator."""

from __future__ import annotations


import pytest

from harness import ghec_writes, play, reasons, when_requested, writes


def fresh(name, version, **fields):
    return dict(name=name, version=version, **fields)


def test_converges_with_the_owner_approving_then_is_idempotent_with_reads_only(sim_and_control):
    sim, ctl = sim_and_control(fresh('a312', '3.12.5', approve_after=0.5))
    first = play(sim, 'connect', approval_timeout=30, diff=True)
    assert first.rc == 0, first.output
    result = first.result('ghe_connect', 'a312')
    assert result['changed'] and result['connected'] and not result['pending_approval']
    assert result['authorization_url'].startswith(sim.ghec_web_url)
    assert result['diff']['before']['connected'] is False and result['diff']['after']['connected'] is True
    assert ctl.appliance('a312')['connected_enterprise'] == 'acme'
    assert writes(ctl, 'a312'), 'the first run must have changed something'

    ctl.clear_requests('a312')
    ctl.clear_ghec_requests()
    second = play(sim, 'connect', approval_timeout=30)
    assert second.rc == 0, second.output
    assert second.result('ghe_connect', 'a312')['changed'] is False
    assert second.recap()['a312']['changed'] == 0
    assert ctl.requests('a312')['requests'], 'the second run must have read the appliance'
    assert writes(ctl, 'a312') == [] and ghec_writes(ctl) == []


def test_check_diff_predicts_the_change_and_writes_nothing(sim_and_control):
    sim, ctl = sim_and_control(fresh('a314', '3.14.2'))
    run = play(sim, 'connect', check=True, diff=True)
    assert run.rc == 0, run.output
    result = run.result('ghe_connect', 'a314')
    assert result['changed'] is True and result['pending_approval'] is True
    assert result['diff']['before']['status'] == 'disabled'
    assert result['differences'] == [{'field': 'connect.connected', 'before': False, 'after': True}]
    assert 'before' in run.stdout and 'after' in run.stdout
    assert ctl.requests('a314')['reads'] > 0
    assert writes(ctl, 'a314') == [] and ghec_writes(ctl) == []
    assert ctl.appliance('a314')['connected'] is False


def test_one_playbook_converges_every_release_line(sim_and_control):
    releases = {'v39': '3.9.4', 'v311': '3.11.9', 'v314': '3.14.2', 'v317': '3.17.1'}
    sim, ctl = sim_and_control(*[fresh(n, v, approve_after=0.5) for n, v in releases.items()])
    first = play(sim, 'connect', approval_timeout=30)
    assert first.rc == 0, first.output
    for name in releases:
        assert first.result('ghe_connect', name)['connected'], name
        assert ctl.appliance(name)['connected'], name
    second = play(sim, 'connect', approval_timeout=30)
    assert second.rc == 0, second.output
    assert all(second.recap()[name]['changed'] == 0 for name in releases), second.recap()


def test_absent_disconnects_and_verifies(sim_and_control):
    sim, ctl = sim_and_control(fresh('on', '3.16.0', connected=True, license_sync=True))
    run = play(sim, 'connect', state='absent')
    assert run.rc == 0, run.output
    result = run.result('ghe_connect', 'on')
    assert result['changed'] and not result['connected']
    assert ctl.appliance('on')['connected'] is False
    again = play(sim, 'connect', state='absent')
    assert again.result('ghe_connect', 'on')['changed'] is False


def test_connected_elsewhere_is_an_error_without_force(sim_and_control):
    sim, ctl = sim_and_control(fresh('other', '3.15.1', connected=True, connected_enterprise='globex'))
    run = play(sim, 'connect')
    assert run.rc != 0
    assert 'connected to the enterprise "globex"' in run.result('ghe_connect', 'other')['msg']
    assert writes(ctl, 'other') == []


def test_force_reconnects_an_appliance_connected_elsewhere(sim_and_control):
    sim, ctl = sim_and_control(fresh('other', '3.15.1', connected=True, connected_enterprise='globex',
                                     approve_after=0.3))
    run = play(sim, 'connect', force=True, approval_timeout=30, diff=True)
    assert run.rc == 0, run.output[-3000:]
    result = run.result('ghe_connect', 'other')
    assert result['changed'] and result['connected']
    assert result['diff']['before']['account'] == 'globex' and result['diff']['after']['account'] == 'acme'
    assert ctl.appliance('other')['connected_enterprise'] == 'acme'


def test_manual_method_prints_the_instruction_and_waits_for_the_operator(sim_and_control):
    sim, ctl = sim_and_control(fresh('m', '3.17.1'))

    # Once the module polls the page (twice: it is waiting), the operator clicks "Enable GitHub
    # Connect" and approves on GitHub.com.
    helper = when_requested(ctl, 'm', '/settings/dotcom_connection', lambda: ctl.click('m', 'connect', True), times=2)
    run = play(sim, 'connect', method='manual', approval_timeout=40)
    helper.join(5)
    assert run.rc == 0, run.output
    page = '%s/enterprises/github/settings/dotcom_connection' % sim.info['appliances']['m']['url']
    assert page in run.stdout and '"Enable GitHub Connect"' in run.stdout
    result = run.result('ghe_connect', 'm')
    assert result['connected'] and result['method_used'] == 'manual'


def test_manual_method_times_out_clearly_when_nobody_acts(sim_and_control):
    sim, ctl = sim_and_control(fresh('idle', '3.13.3'))
    run = play(sim, 'connect', method='manual', approval_timeout=3)
    assert run.rc != 0
    result = run.result('ghe_connect', 'idle')
    assert 'Timed out after 3s waiting for the operator' in result['msg']
    assert 'Enable GitHub Connect' in result['msg']
    assert writes(ctl, 'idle') == []


def test_approval_timeout_zero_returns_pending_with_the_url(sim_and_control):
    sim, ctl = sim_and_control(fresh('p', '3.12.5'))
    run = play(sim, 'connect', approval_timeout=0)
    assert run.rc == 0, run.output
    result = run.result('ghe_connect', 'p')
    assert result['changed'] and result['pending_approval'] and not result['connected']
    assert result['authorization_url']
    assert ctl.appliance('p')['pending_authorization'] is True
    ctl.clear_requests('p')
    again = play(sim, 'connect', approval_timeout=0)
    assert again.rc == 0, again.output
    assert again.result('ghe_connect', 'p')['changed'] is False
    assert again.result('ghe_connect', 'p')['pending_approval'] is True
    assert writes(ctl, 'p') == [], 'a pending request is never sent twice'


BAD_INPUT = [
    ('wrong manage password', {}, {'ghes_manage_password': 'not-the-password'}, 'Manage GHES API refused the credentials'),
    ('ghec token without scope', {}, {'ghec_token': 'TOKEN:noscope'}, 'lacks the read:enterprise scope'),
    ('ghec token of a non-owner', {}, {'ghec_token': 'TOKEN:reader'}, 'is not an owner of the GHEC enterprise'),
    ('unknown enterprise', {}, {'ghec_enterprise': 'no-such-enterprise'}, 'does not exist or ghec_token cannot see it'),
    ('license without Connect', {'croquet_support': False}, {}, 'does not permit GitHub Connect'),
    ('unsupported version', {'version': '3.8.2'}, {}, 'GHES 3.8.2 is not supported'),
    ('console layout changed', {'console_layout': 'unknown'}, {}, 'Console layout not recognised for GHES 3.14'),
    ('wrong console password', {}, {'ghes_console_password': 'nope-nope'}, 'refused the sign-in'),
    ('maintenance mode', {'maintenance': True}, {}, 'is in maintenance mode'),
]


@pytest.mark.parametrize('case,fields,overrides,message', BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_fails_before_any_write_with_a_specific_message(sim_and_control, case, fields, overrides, message):
    sim, ctl = sim_and_control(dict({'name': 'bad', 'version': '3.14.2'}, **fields))
    overrides = dict((k, sim.info['ghec_tokens'][v.split(':')[1]] if str(v).startswith('TOKEN:') else v)
                     for k, v in overrides.items())
    run = play(sim, 'connect', approval_timeout=0, **overrides)
    assert run.rc != 0, case
    assert message in run.result('ghe_connect', 'bad')['msg'], run.result('ghe_connect', 'bad')['msg']
    assert writes(ctl, 'bad') == [] and ghec_writes(ctl) == []
    assert ctl.appliance('bad')['connected'] is False


def test_info_reports_everything_with_sources(sim_and_control):
    sim, ctl = sim_and_control(fresh('i', '3.15.1', connected=True, license_sync=True, last_sync_days_ago=3),
                               fresh('old', '3.10.3'))
    run = play(sim, 'info')
    assert run.rc == 0, run.output
    info = run.result('ghe_connect_info', 'i')['appliance']
    assert info['version'] == '3.15.1' and info['version_supported']
    assert info['license']['connect_permitted'] is True
    assert info['connect']['connected'] and info['connect']['account'] == 'acme'
    assert info['license_sync']['enabled'] is True
    assert info['license_sync']['last_sync']['status'] == 'success'
    assert 2.9 * 86400 < info['license_sync']['sync_age_seconds'] < 3.1 * 86400
    assert info['sources']['connect.connected'] == 'ghec_graphql'
    assert info['sources']['license_sync.last_sync'] == 'ghec_license_sync_status'
    assert info['problems'] == []
    old = run.result('ghe_connect_info', 'old')['appliance']
    # 3.10 has no Manage API license read: GHES REST gives seats and expiry with the token; whether the
    # license permits Connect no documented read of that release says, so it is unknown, with the reason.
    assert old['license']['seats'] == 100 and old['license']['expire_at'] and old['sources']['license'] == 'ghes_rest'
    assert old['license']['connect_permitted'] is None and 'croquetSupport' in reasons(old)['license.connect_permitted']
    assert old['sources']['config_run_in_progress'] == 'setup_api'
    assert writes(ctl, 'i') == [] and writes(ctl, 'old') == []
