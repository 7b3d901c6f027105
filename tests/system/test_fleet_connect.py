# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet rollout in two phases: one list of approvals first, then one wait for all of them."""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from pathlib import Path

from harness import play, writes

FLEET = ['ghes-%03d' % i for i in range(1, 21)]


def fleet_processes(inventory):
    """ansible-playbook processes (the main one and its forks) running against ``inventory``."""
    found = 0
    for pid in os.listdir('/proc'):
        try:
            cmdline = Path('/proc/%s/cmdline' % pid).read_bytes().split(b'\0')
        except OSError:
            continue
        if any(part.endswith(b'ansible-playbook') for part in cmdline) and inventory.encode() in cmdline:
            found += 1
    return found


class Owner:
    """The enterprise owner: waits for the list file, then approves every appliance in a random order."""

    def __init__(self, ctl, list_file, names, inventory, seed=18):
        self.ctl, self.list_file, self.names, self.inventory = ctl, list_file, list(names), inventory
        self.random = random.Random(seed)
        self.listed_before_first_approval = None
        self.processes_during_wait = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            listed = self._listed()
            if len(listed) == len(self.names):
                break
            time.sleep(0.2)
        self.listed_before_first_approval = self._listed()
        order = list(self.names)
        self.random.shuffle(order)
        for name in order:
            self.processes_during_wait.append(fleet_processes(self.inventory))
            self.ctl.approve(name)
            time.sleep(self.random.uniform(0.05, 0.4))

    def _listed(self):
        try:
            data = json.loads(self.list_file.read_text())
        except (OSError, ValueError):
            return {}
        return dict((r['appliance'], r['authorization_url']) for r in data['appliances']
                    if r['status'] == 'pending' and r['authorization_url'])


def test_twenty_appliances_one_list_then_approvals_in_any_order_then_a_rerun_sends_nothing(make_simulator, control, tmp_path):
    sim = make_simulator({'seed': 18, 'count': 20, 'versions': ['3.12.5', '3.14.2', '3.17.1', '3.20.0'],
                          'defaults': {'sync_seconds': 0.3}})
    ctl = control(sim)
    approvals = tmp_path / 'approvals'
    owner = Owner(ctl, approvals / 'ghes-connect-approvals.json', FLEET, str(sim.inventory_path))
    started = time.monotonic()
    run = play(sim, 'playbooks/enable.yml', forks=10, enable_wave_size=20, enable_approval_timeout=300,
               enable_sync_wait_timeout=60, enable_approvals_dir=str(approvals))
    took = time.monotonic() - started
    owner.thread.join(5)
    assert run.rc == 0, run.output[-5000:]
    # Every URL was in the list before the first approval, and it is the URL the appliance shows.
    assert sorted(owner.listed_before_first_approval) == FLEET
    assert all(url.startswith(sim.ghec_web_url) for url in owner.listed_before_first_approval.values())
    assert oct((approvals / 'ghes-connect-approvals.json').stat().st_mode & 0o777) == '0o600'
    assert oct(approvals.stat().st_mode & 0o777) == '0o700'
    markdown = (approvals / 'ghes-connect-approvals.md').read_text()
    assert all('| %s | connected |' % name in markdown for name in FLEET), markdown
    # ONE list printed, every appliance in it, before any approval line.
    assert run.stdout.count('Approve on GitHub.com as an owner of') == 1
    listing = run.stdout.index('Approve on GitHub.com as an owner of')
    for name in FLEET:
        assert run.stdout.index(name + '  ' + owner.listed_before_first_approval[name]) > listing
    approved = re.findall(r'(ghes-\d+) approved, (\d+) of 20 connected, waiting up to (\d+) s more', run.stdout)
    assert sorted(name for name, _n, _s in approved) == FLEET, run.stdout[-4000:]
    assert sorted(int(n) for _name, n, _s in approved) == list(range(1, 21))
    # All within one approval window, and no fork per appliance while waiting (main process + one worker).
    assert took < 300
    assert max(owner.processes_during_wait) <= 2, owner.processes_during_wait
    for name in FLEET:
        state = ctl.appliance(name)
        assert state['connected'] and state['license_sync'], name
        assert '%s: connected=True license_sync=True' % name in run.stdout

    for name in FLEET:
        ctl.clear_requests(name)
    again = play(sim, 'playbooks/enable.yml', forks=10, enable_wave_size=20, enable_approval_timeout=300,
                 enable_approvals_dir=str(approvals))
    assert again.rc == 0, again.output[-4000:]
    assert all(writes(ctl, name) == [] for name in FLEET), 'the re-run must send no Connect request (nor any write)'
    assert all(again.recap().get(name, {}).get('changed', 0) == 0 for name in FLEET), again.recap()


def test_a_rerun_picks_up_pending_requests_and_an_expired_hand_shake_is_resumed_with_a_fresh_url(
        sim_and_control, tmp_path):
    sim, ctl = sim_and_control({'name': 'slow', 'version': '3.19.0'}, {'name': 'fast', 'version': '3.14.2'})
    approvals = tmp_path / 'approvals'
    first = play(sim, 'playbooks/enable.yml', enable_approval_timeout=0, enable_approvals_dir=str(approvals))
    assert first.rc != 0  # nothing approved: the summary says so and the run fails those two
    listed = json.loads((approvals / 'ghes-connect-approvals.json').read_text())['appliances']
    urls = dict((r['appliance'], r['authorization_url']) for r in listed)
    assert all(r['status'] == 'pending' and r['authorization_url'] for r in listed), listed
    assert 'slow: FAILED' in first.stdout and urls['slow'] in first.stdout

    # Re-run: the pending requests are picked up, not sent again.
    ctl.clear_requests('fast')
    second = play(sim, 'playbooks/enable.yml', enable_approval_timeout=0, enable_approvals_dir=str(approvals))
    assert second.rc != 0
    assert writes(ctl, 'fast') == []
    assert dict((r['appliance'], r['authorization_url']) for r in
                json.loads((approvals / 'ghes-connect-approvals.json').read_text())['appliances']) == urls

    # GitHub.com forgets the hand-shakes after 5 minutes: the next run resumes them, with fresh URLs.
    ctl.advance(301)
    assert ctl.appliance('slow')['handshake_expired']
    threading.Thread(target=_approve_when_resumed, args=(ctl, approvals, urls), daemon=True).start()
    third = play(sim, 'playbooks/enable.yml', enable_approval_timeout=120, enable_sync_wait_timeout=60,
                 enable_approvals_dir=str(approvals))
    assert third.rc == 0, third.output[-4000:]
    assert ctl.appliance('slow')['connected'] and ctl.appliance('fast')['connected']
    fresh = json.loads((approvals / 'ghes-connect-approvals.json').read_text())['appliances']
    assert all(r['status'] == 'connected' for r in fresh)
    assert 'pending' not in (approvals / 'ghes-connect-approvals.md').read_text()


def _approve_when_resumed(ctl, approvals, old_urls):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            listed = json.loads((approvals / 'ghes-connect-approvals.json').read_text())['appliances']
        except (OSError, ValueError):
            listed = []
        fresh = [r for r in listed if r['authorization_url'] and r['authorization_url'] != old_urls[r['appliance']]]
        if len(fresh) == len(old_urls):
            for record in fresh:
                ctl.approve(record['appliance'])
            return
        time.sleep(0.2)


def test_an_expired_hand_shake_is_resumed_during_the_wait(sim_and_control, tmp_path):
    sim, ctl = sim_and_control({'name': 'late', 'version': '3.16.0'})
    approvals = tmp_path / 'approvals'
    old = {}

    def expire_then_approve():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not old:
            state = ctl.appliance('late')
            if state['pending_authorization']:
                old['late'] = state['authorization_url']
            time.sleep(0.2)
        ctl.advance(301)
        _approve_when_resumed(ctl, approvals, old)
    threading.Thread(target=expire_then_approve, daemon=True).start()
    run = play(sim, 'playbooks/enable.yml', enable_approval_timeout=120, enable_sync_wait_timeout=60,
               enable_approvals_dir=str(approvals))
    assert run.rc == 0, run.output[-4000:]
    assert 'late: its approval request expired on GitHub.com and was resumed: approve at' in run.stdout
    assert ctl.appliance('late')['connected']


def test_requests_go_in_waves_and_an_unapproved_wave_holds_back_the_next(sim_and_control, tmp_path):
    sim, ctl = sim_and_control({'name': 'w1', 'version': '3.14.2'}, {'name': 'w2', 'version': '3.16.0'},
                               {'name': 'w3', 'version': '3.20.0'})
    approvals = tmp_path / 'approvals'
    # Nobody approves: the first wave (two) waits its 4 s, the third appliance is not asked at all.
    held = play(sim, 'playbooks/enable.yml', enable_wave_size=2, enable_approval_timeout=4,
                enable_approvals_dir=str(approvals))
    assert held.rc != 0
    assert [ctl.appliance(n)['pending_authorization'] for n in ('w1', 'w2', 'w3')] == [True, True, False]
    listed = dict((r['appliance'], r) for r in
                  json.loads((approvals / 'ghes-connect-approvals.json').read_text())['appliances'])
    assert listed['w3']['status'] == 'not_requested' and listed['w3']['authorization_url'] is None
    assert 'w3: FAILED' in held.stdout and 'not requested: the wave before it was not approved' in held.stdout

    # An owner who approves: wave one (the two pending ones, picked up), then wave two, each with its own list.
    for name in ('w1', 'w2', 'w3'):
        ctl.patch(name, approve_after=0.5)
    threading.Thread(target=lambda: [ctl.approve(n) for n in ('w1', 'w2')], daemon=True).start()
    run = play(sim, 'playbooks/enable.yml', enable_wave_size=2, enable_approval_timeout=60,
               enable_sync_wait_timeout=60, enable_approvals_dir=str(approvals))
    assert run.rc == 0, run.output[-4000:]
    assert all(ctl.appliance(n)['connected'] for n in ('w1', 'w2', 'w3'))
    assert 'w3 approved, 3 of 3 connected' in run.stdout


def test_an_appliance_the_fleet_step_cannot_ask_stops_there_and_the_others_carry_on(sim_and_control, tmp_path):
    """A fleet step error stops that appliance at its Connect step (the record it builds on carries the reason),
    before any request of its own; the others converge."""
    # 'bad' is connected to another enterprise: the fleet step will not move it (that takes ghe_connect's force).
    sim, ctl = sim_and_control({'name': 'good', 'version': '3.19.0'},
                               {'name': 'bad', 'version': '3.19.0', 'connected': True, 'connected_enterprise': 'umbrella'})
    threading.Thread(target=_approve_once_pending, args=(ctl, 'good'), daemon=True).start()
    run = play(sim, 'playbooks/enable.yml', enable_approval_timeout=120, enable_sync_wait_timeout=60,
               enable_approvals_dir=str(tmp_path / 'approvals'))
    assert run.rc != 0, run.output[-4000:]
    # The fleet summary names the step and the fleet step's reason.
    assert re.search(r'bad: FAILED at \\?"Connect to the GHEC enterprise\\?": https://\S+ is '
                     r'connected to the enterprise \\?"umbrella\\?"', run.stdout), run.stdout[-3000:]
    assert ctl.appliance('good')['connected']
    assert 'set force: true to disconnect and reconnect it' in run.stdout
    assert writes(ctl, 'bad') == [], 'nothing was written to the appliance it would not move'
    summary = run.result('ghes.connect.enable : Verify through the documented reads', 'good')['summary']
    assert summary['connected'] is True and summary['changed'] is True and summary['problem'] is None, summary
    assert summary['steps'][0] == 'connect', 'the fleet step asked for the connection: a step of the run record'


def _approve_once_pending(ctl, name, limit=120):
    """The owner approves ``name`` as soon as its request is pending on GitHub.com."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if ctl.appliance(name)['pending_authorization']:
            ctl.approve(name)
            return
        time.sleep(0.1)


def _decisions_per_host(sim, target, names):
    """What ghe_connect decides on each appliance, in check mode: its step, or the refusal."""
    extra = {'ghe_com_subdomain': 'acme-eu'} if target == 'ghe_com' else {}
    run = play(sim, 'connect', check=True, target=target, **extra)
    results = dict((name, run.result('ghe_connect', name)) for name in names)
    return dict((name, r['step'] if 'step' in r else r['msg']) for name, r in results.items())


def _decisions_of_the_fleet(sim, target, tmp_path, check=True):
    """What ghe_connect_fleet decides for each appliance: the record's step, or its error; and the result."""
    extra = {'ghe_com_subdomain': 'acme-eu'} if target == 'ghe_com' else {}
    run = play(sim, 'connect_fleet', check=check, target=target, approval_timeout=0,
               approvals_dir=str(tmp_path / 'approvals'), **extra)
    result = run.for_task('ghe_connect_fleet')[0]['result']
    assert not result.get('failed'), result
    return dict((name, r['error'] or r['step']) for name, r in result['appliances'].items()), result


def test_the_fleet_and_the_per_host_path_decide_alike_for_both_targets(sim_and_control, tmp_path):
    """One fleet, both paths, both targets: the same step, or the same refusal, for every appliance (issue 25)."""
    sim, ctl = sim_and_control({'name': 'fresh', 'version': '3.14.2'}, {'name': 'old', 'version': '3.11.9'},
                               {'name': 'done', 'version': '3.17.1', 'connected': True},
                               {'name': 'moved', 'version': '3.19.0', 'connected': True, 'connected_enterprise': 'umbrella'})
    names = ('fresh', 'old', 'done', 'moved')
    seen = {}
    for target in ('github_com', 'ghe_com'):
        fleet, _result = _decisions_of_the_fleet(sim, target, tmp_path)
        seen[target] = _decisions_per_host(sim, target, names)
        assert fleet == seen[target], (target, fleet, seen[target])
    assert seen['github_com']['fresh'] == seen['github_com']['old'] == 'connect' and seen['github_com']['done'] == 'none'
    assert 'set force: true' in seen['github_com']['moved']
    assert 'target: ghe_com needs GHES 3.12 or later' in seen['ghe_com']['old']

    # For real, target ghe_com: no approval is asked before the ghe-config keys are set, which only the task on
    # the appliance can do (its administrative shell): the fleet step hands it over and writes nothing.
    for name in names:
        ctl.clear_requests(name)
    _fleet, result = _decisions_of_the_fleet(sim, 'ghe_com', tmp_path, check=False)
    assert result['requested'] == [] and 'ghe-config keys' in result['per_host']['fresh'], result
    assert writes(ctl, 'fresh') == [] and not ctl.appliance('fresh')['pending_authorization']

    # A request waiting on GitHub.com: both paths wait for it, neither asks again.
    _fleet, result = _decisions_of_the_fleet(sim, 'github_com', tmp_path, check=False)
    assert result['requested'] == ['fresh', 'old'] and ctl.appliance('fresh')['pending_authorization'], result
    for target in ('github_com', 'ghe_com'):
        fleet, _result = _decisions_of_the_fleet(sim, target, tmp_path)
        per_host = _decisions_per_host(sim, target, names)
        assert fleet == per_host and per_host['fresh'] == 'await', (target, fleet, per_host)
