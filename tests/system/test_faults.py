# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults: retried where safe, never retried blindly where not, always reported truthfully.

Each test injects one kind of fault through the simulator's control API, runs a real
playbook, and checks the outcome through the control API: converged, or reported as not
converged (never success without the reads confirming it), and a re-run converges with
no state change made twice.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import requests

from harness import play, writes


def processed(ctl, name, method, suffix, statuses=(302,)):
    """Requests of ``name`` matching method/path suffix that the appliance carried out."""
    return [r for r in ctl.requests(name)['requests']
            if r['method'] == method and r['path'].endswith(suffix) and r['status'] in statuses]


def start_config_run(sim, name):
    appliance = sim.info['appliances'][name]
    session = requests.Session()
    session.trust_env = False
    response = session.post(appliance['manage_url'] + '/manage/v1/config/apply', verify=sim.ca_path,
                            auth=('api_key', appliance['manage_password']), json={'run_id': 'byhand01'}, timeout=10)
    assert response.status_code == 200, response.text


def when_pending(ctl, name, action, limit=300):
    """Run ``action()`` once the connect task waits for the owner's approval (in a thread)."""
    def watch():
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if ctl.appliance(name)['pending_authorization']:
                action()
                return
            time.sleep(0.1)
    threading.Thread(target=watch, daemon=True).start()


def test_5xx_bursts_on_reads_are_retried(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2', connected=True, license_sync=True,
                                    last_sync_days_ago=1))
    for status in (502, 503, 504):
        ctl.fault(target='a', method='GET', path_prefix='/manage/v1', status=status, count=1)
    ctl.fault(target='ghec', method='GET', status=502, count=2)
    run = play(sim, 'info')
    assert run.rc == 0, run.output[-3000:]
    assert run.result('Module under test', 'a')['appliance']['connect']['connected'] is True
    statuses = [r['status'] for r in ctl.requests('a')['requests'] if r['path'].startswith('/manage/v1')]
    assert {502, 503, 504} <= set(statuses)


def test_ghec_rate_limits_with_retry_after_are_retried(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.15.1', connected=True, license_sync=True,
                                    last_sync_days_ago=1))
    ctl.fault(target='ghec', status=429, count=1, retry_after=1)
    ctl.fault(target='ghec', status=403, count=1, retry_after=1, body={'message': 'API rate limit exceeded'})
    started = time.monotonic()
    run = play(sim, 'license_sync', max_sync_age='8d')
    assert run.rc == 0, run.output[-3000:]
    assert time.monotonic() - started >= 2, 'Retry-After was honoured'


def test_connection_resets_on_reads_are_retried(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.12.5', connected=True))
    ctl.fault(target='a', method='GET', reset=True, count=2)
    run = play(sim, 'info')
    assert run.rc == 0, run.output[-3000:]


def test_slow_answers_past_the_timeout_are_retried_then_reported(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.16.0', connected=True))
    ctl.fault(target='a', path_prefix='/manage/v1/version', latency=3, count=1)
    run = play(sim, 'info', ghes_timeout=1)
    assert run.rc == 0, run.output[-3000:]
    ctl.fault(target='a', path_prefix='/manage/v1/version', latency=3, count=10)
    slow = play(sim, 'info', ghes_timeout=1, ghes_retries=1)
    assert slow.rc != 0
    assert ('did not answer within 1s (timeout: it bounds each whole request, connecting and the full answer included) '
            '(gave up after 2 attempts).') in slow.result('Module under test', 'a')['msg']


def test_appliance_down_while_waiting_for_approval_then_rerun_converges(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2'))
    when_pending(ctl, 'a', lambda: ctl.down('a'))
    run = play(sim, 'connect', approval_timeout=30, ghes_retries=1)
    assert run.rc != 0
    assert 'refused the connection' in run.result('Module under test', 'a')['msg']
    ctl.up('a')
    ctl.approve('a')
    again = play(sim, 'connect', approval_timeout=30)
    assert again.rc == 0, again.output[-3000:]
    assert again.result('Module under test', 'a')['connected'] is True
    assert len(processed(ctl, 'a', 'POST', '/settings/dotcom_connection')) == 1, 'the request was sent once'


def test_config_run_in_progress_is_waited_for(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2', approve_after=0.3, config_apply_seconds=15))
    start_config_run(sim, 'a')
    refused = play(sim, 'connect', approval_timeout=30)
    assert refused.rc != 0
    assert 'A configuration run is in progress' in refused.result('Module under test', 'a')['msg']
    assert writes(ctl, 'a') == [r for r in writes(ctl, 'a') if r['path'] == '/manage/v1/config/apply']
    run = play(sim, 'connect', approval_timeout=30, config_wait_timeout=60)
    assert run.rc == 0, run.output[-3000:]
    assert run.result('Module under test', 'a')['connected'] is True


def test_config_run_that_never_ends_fails_the_preflight_clearly(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.13.3', config_apply_hang=True))
    start_config_run(sim, 'a')
    run = play(sim, 'connect', approval_timeout=30, config_wait_timeout=3)
    assert run.rc != 0
    message = run.result('Module under test', 'a')['msg']
    assert 'Timed out after 3s waiting for a configuration run already in progress to finish' in message
    assert processed(ctl, 'a', 'POST', '/settings/dotcom_connection', statuses=(200, 302)) == []


def test_maintenance_switched_on_mid_run_stops_before_the_next_write(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.17.1', approve_after=4))
    when_pending(ctl, 'a', lambda: ctl.patch('a', maintenance=True))
    run = play(sim, 'playbooks/enable.yml', hosts='a', enable_approval_timeout=40, ghes_retries=1,
               enable_no_log=False)
    assert run.rc != 0
    assert run.result('ghe_connect', 'a')['connected'] is True, 'confirmed through GHEC'
    [failed] = run.for_task('ghe_license_sync', 'a')
    assert failed['status'] == 'failed' and 'is in maintenance mode' in failed['result']['msg']
    assert ctl.appliance('a')['license_sync'] is False
    ctl.patch('a', maintenance=False)
    again = play(sim, 'playbooks/enable.yml', hosts='a', enable_approval_timeout=40)
    assert again.rc == 0, again.output[-3000:]
    assert ctl.appliance('a')['license_sync'] is True


def sign_ins(ctl, name):
    return [r for r in ctl.requests(name)['requests'] if r['method'] == 'POST' and r['path'] == '/session']


def test_console_session_expiring_signs_in_again(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.18.0'))

    def operator():
        # The session ends while the module polls the page; once it has signed in again, the operator acts.
        deadline = time.monotonic() + 60
        while not sign_ins(ctl, 'a') and time.monotonic() < deadline:
            time.sleep(0.1)
        ctl.expire_session('a')
        while len(sign_ins(ctl, 'a')) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        ctl.click('a', 'connect', True)

    helper = threading.Thread(target=operator, daemon=True)
    helper.start()
    run = play(sim, 'connect', method='manual', approval_timeout=60)
    helper.join(5)
    assert run.rc == 0, run.output[-3000:]
    assert len(sign_ins(ctl, 'a')) == 2, 'signed in again exactly once after the session ended'


def test_ghec_500_on_the_upload_is_not_retried_and_a_rerun_uploads_once(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.15.1', air_gapped=True), upload_processing_seconds=0.3)
    ctl.fault(target='ghec', method='POST', path_prefix='/web/enterprises', status=500, count=1)
    run = play(sim, 'upload', via='file', wait_timeout=20)
    assert run.rc != 0
    assert 'answered 500' in run.result('Module under test', 'a')['msg']
    posts = [r for r in ctl.ghec_requests()['requests'] if r['method'] == 'POST' and '/server_usage' in r['path']]
    assert len(posts) == 1, 'an upload is never retried blindly'
    assert ctl.ghec()['uploads'] == []
    again = play(sim, 'upload', via='file', wait_timeout=20)
    assert again.rc == 0, again.output[-3000:]
    assert len(ctl.ghec()['uploads']) == 1


def test_reset_on_a_console_write_is_looked_at_not_repeated(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2', approve_after=0.3))
    ctl.fault(target='a', method='POST', path_prefix='/enterprises/github/settings/dotcom_connection', reset=True,
              count=1)
    run = play(sim, 'connect', approval_timeout=30)
    assert run.rc != 0
    assert 'got no answer' in run.result('Module under test', 'a')['msg']
    assert 'It was not sent again' in run.result('Module under test', 'a')['msg']
    again = play(sim, 'connect', approval_timeout=30)
    assert again.rc == 0, again.output[-3000:]
    assert len(processed(ctl, 'a', 'POST', '/settings/dotcom_connection')) == 1


LOAD_FLEET = 200


def test_load_200_appliances_with_5_percent_of_requests_failing(make_simulator, control):
    sim = make_simulator({'seed': 61, 'count': LOAD_FLEET,
                          'defaults': {'approve_after': 0.2, 'sync_seconds': 0.2}})
    ctl = control(sim)
    ctl.fault(target='*', status=503, probability=0.03, seed=7)
    ctl.fault(target='*', status=502, probability=0.02, seed=8)
    first = play(sim, 'playbooks/enable.yml', forks=20, enable_approval_timeout=60, enable_sync_wait_timeout=60,
                 timeout=1800)
    names = ['ghes-%03d' % i for i in range(1, LOAD_FLEET + 1)]
    recap = first.recap()
    failed = [n for n in names if recap[n]['failed']]
    converged = [n for n in names if ctl.appliance(n)['connected'] and ctl.appliance(n)['license_sync']]
    assert len(converged) + len(failed) >= LOAD_FLEET, 'every appliance converged or was reported failed'
    for name in failed:
        assert '%s: FAILED' % name in first.stdout or '%s: connected=' % name in first.stdout
    ctl.clear_faults()
    second = play(sim, 'playbooks/enable.yml', forks=20, enable_approval_timeout=60, enable_sync_wait_timeout=60,
                  timeout=1800)
    assert second.rc == 0, second.output[-4000:]
    for name in names:
        state = ctl.appliance(name)
        assert state['connected'] and state['license_sync'], name
        assert len(processed(ctl, name, 'POST', '/settings/dotcom_connection')) == 1, name
        switched = processed(ctl, name, 'POST', 'license_usage_sync')
        assert len(switched) == 1, (name, switched)
    print('load: %d of %d converged on the first run, %d reported failed; all converged on the re-run'
          % (LOAD_FLEET - len(failed), LOAD_FLEET, len(failed)))


def test_sign_in_form_rejected_once_is_started_over(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2', connected=True, license_sync=True,
                                    last_sync_days_ago=1))
    ctl.fault(target='a', method='POST', path_prefix='/session', status=422, count=1)
    run = play(sim, 'info', console='always')
    assert run.rc == 0, run.output[-3000:]
    assert [r['status'] for r in sign_ins(ctl, 'a')] == [422, 302]
    ctl.fault(target='a', method='POST', path_prefix='/session', status=422, count=2)
    twice = play(sim, 'info', console='always')
    assert twice.rc != 0
    assert 'rejected the sign-in form twice' in twice.result('Module under test', 'a')['msg']


def test_a_black_hole_or_a_trickling_appliance_costs_a_task_its_timeout_per_attempt_not_more(sim_and_control):
    sim, ctl = sim_and_control(dict(name='hole', version='3.14.2', connected=True),
                               dict(name='drip', version='3.14.2', connected=True))
    ctl.fault(target='hole', hang=True)
    ctl.fault(target='drip', trickle=0.3)      # a byte every 0.3 s: no socket read ever times out
    started = time.monotonic()
    run = play(sim, 'info', hosts='hole:drip', ghes_timeout=2, ghes_retries=1)
    took = time.monotonic() - started
    assert run.rc != 0
    for name in ('hole', 'drip'):
        message = run.for_task('Module under test', name)[0]['result']['msg']
        assert 'did not answer within 2s' in message and 'gave up after 2 attempts' in message, message
    # Budget: 2 attempts x 2 s + 0.5 s of backoff for the first request; Ansible's own start-up on top.
    assert took < 4.5 + 15, took


def test_a_scan_names_the_appliances_it_still_waits_for_and_ends_within_their_budget(sim_and_control, tmp_path):
    sim, ctl = sim_and_control(dict(name='hole', version='3.16.0', connected=True, license_sync=True, last_sync_days_ago=1),
                               dict(name='drip', version='3.16.0', connected=True, license_sync=True, last_sync_days_ago=1),
                               dict(name='fine', version='3.16.0', connected=True, license_sync=True, last_sync_days_ago=1))
    ctl.fault(target='hole', hang=True)
    ctl.fault(target='drip', trickle=0.3)
    run = play(sim, 'playbooks/drift.yml', hosts='hole:drip:fine', ghes_target_hosts='hole:drip:fine',
               ghes_timeout=5, ghes_retries=2, drift_report_dir=str(tmp_path / 'report'))
    scan = next(r['result'] for r in run.results if isinstance(r['result'].get('appliances'), list))
    errors = dict((r['appliance'], r.get('error')) for r in scan['appliances'])
    assert errors['fine'] is None and errors['hole'] and errors['drip'], errors
    assert scan['seconds'] <= 16.5 + 5, scan['seconds']        # the budget: 3 x 5 s + 1.5 s of backoff
    assert 'still reading 2 appliances after' in run.output and 'drip, hole' in run.output, run.output[-3000:]


def _proxy_answering(answer):
    """A loopback 'proxy' answering every CONNECT with ``answer``; (its listening socket, port)."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)

    def serve():
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:
                return
            connection.recv(65536)
            connection.sendall(answer)
            connection.close()
    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


def test_proxies_as_curl_takes_them_a_cidr_in_no_proxy_and_a_proxy_s_own_faults_named_as_its(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2', connected=True))
    listener, port = _proxy_answering(b'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')
    try:
        proxy = 'http://squid:Pr0xyS3cret@127.0.0.1:%d' % port
        # 127.0.0.0/8 in no_proxy: the simulator (on 127.0.0.1) is reached directly.
        run = play(sim, 'info', hosts='a', env={'https_proxy': proxy, 'no_proxy': '127.0.0.0/8'})
        assert run.rc == 0, run.output[-3000:]
        # Through the proxy, which wants credentials: named as the proxy's fault, once, without its password.
        ctl.clear_requests('a')
        run = play(sim, 'info', hosts='a', verbosity=4, env={'https_proxy': proxy, 'no_proxy': ''})
        message = run.for_task('Module under test', 'a')[0]['result']['msg']
        assert 'The proxy http://127.0.0.1:%d (from https_proxy) asks for credentials (407' % port in message, message
        assert 'gave up' not in message and 'Pr0xyS3cret' not in run.output + json.dumps(run.results)
    finally:
        listener.shutdown(socket.SHUT_RDWR)     # wakes its accept(), so the port is closed for the next run
        listener.close()
    # The proxy down: the message names it, not ghec_url or url.
    run = play(sim, 'info', hosts='a', env={'https_proxy': 'http://127.0.0.1:%d' % port, 'no_proxy': ''})
    message = run.for_task('Module under test', 'a')[0]['result']['msg']
    assert 'The proxy http://127.0.0.1:%d (from https_proxy) refused the connection' % port in message, message


def test_a_rate_limit_resetting_later_is_reported_with_its_reset_time_and_not_retried(sim_and_control):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2', connected=True))
    reset = int(time.time()) + 900
    ctl.fault(target='ghec', method='POST', path_prefix='/graphql', status=403, count=20,
              body={'message': 'API rate limit exceeded'}, headers={'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': reset})
    ctl.clear_ghec_requests()
    run = play(sim, 'info', hosts='a')
    # ghe_connect_info reports what GHEC could not tell as unknown, with the reason.
    result = json.dumps(run.for_task('Module under test', 'a')[0]['result'])
    assert 'Rate limited until %s' % time.strftime('%Y-%m-%d %H:%M', time.gmtime(reset)) in result, result[:3000]
    asked = [r for r in ctl.ghec_requests()['requests'] if r['path'].startswith('/graphql')]
    assert len(asked) == 1, asked


def test_an_answer_larger_than_its_interface_allows_is_refused_unread_and_not_asked_again(sim_and_control, tmp_path):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2', connected=True))
    ctl.fault(target='a', method='GET', path_prefix='/manage/v1/version', status=200, pad=20 * 1024 * 1024, count=10)
    ctl.clear_requests('a')
    state = tmp_path / 'state'
    run = play(sim, 'info', hosts='a', env={'GHES_CONNECT_STATE_DIR': str(state)})
    message = run.for_task('Module under test', 'a')[0]['result']['msg']
    assert 'more than the 16 MB ghes.connect reads from this interface' in message and 'Manage GHES API' in message, message
    assert len([r for r in ctl.requests('a')['requests'] if r['path'].startswith('/manage/v1/version')]) == 1
    assert sum(1 for _path in state.rglob('*')) < 50
