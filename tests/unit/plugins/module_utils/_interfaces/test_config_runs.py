# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The poller against scripted clients: success, failure with events, legacy path, timeouts."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import ConfigRunError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import quiet
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.config_runs import ConfigRunner
from ansible_collections.ghes.connect.tests.unit.plugins.clock import Clock


class FakeManage:
    def __init__(self, polls_running=2, successful=True):
        self.polls_running = polls_running
        self.successful = successful
        self.started = []

    def start_config_apply(self, run_id):
        self.started.append(run_id)
        return run_id

    def config_apply_status(self, run_id=None):
        if self.polls_running:
            self.polls_running -= 1
            return {'running': True, 'successful': False, 'nodes': []}
        return {'running': False, 'successful': self.successful,
                'nodes': [{'run_id': run_id, 'hostname': 'ghe-1', 'running': False, 'successful': self.successful}]}

    def config_apply_events(self):
        return {'nodes': [{'node': 'ghe-1', 'events': [
            {'severity_text': 'INFO', 'body': 'starting', 'config_run_id': self.started[-1]},
            {'severity_text': 'ERROR', 'body': 'nomad job failed', 'config_run_id': self.started[-1],
             'event_name': 'consul'},
            {'severity_text': 'ERROR', 'body': 'older run', 'config_run_id': 'other'}]}]}


class FakeLegacy:
    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.configured = 0

    def configure(self):
        self.configured += 1

    def configcheck(self):
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


def runner(version, manage=None, legacy=None):
    clock = Clock()
    return ConfigRunner(GhesVersion(version), manage, legacy, clock=clock, sleep=clock.sleep), clock


def test_manage_run_followed_to_success_by_its_own_run_id():
    manage = FakeManage(polls_running=3)
    run, clock = runner('3.14.1', manage=manage)
    outcome = run.apply(timeout=60)
    assert outcome['run_id'] == manage.started[0]
    assert clock.now < 3.0  # noticed promptly: sub-second polling


def test_manage_run_failure_carries_the_failing_events_of_that_run_only():
    run, _clock = runner('3.12.0', manage=FakeManage(successful=False))
    with pytest.raises(ConfigRunError) as caught:
        run.apply(timeout=60)
    assert [e['body'] for e in caught.value.events] == ['nomad job failed']
    assert 'ghe-1' in caught.value.message


def test_legacy_run_on_3_11():
    legacy = FakeLegacy([{'status': 'running'}, {'status': 'running'}, {'status': 'success'}])
    run, _clock = runner('3.11.4', legacy=legacy)
    run.apply(timeout=60)
    assert legacy.configured == 1


def test_legacy_failure_names_the_failed_step():
    legacy = FakeLegacy([{'status': 'running'}, {'status': 'failed', 'progress': [
        {'status': 'DONE', 'key': 'Appliance core components'}, {'status': 'FAILED', 'key': 'GitHub services'}]}])
    run, _clock = runner('3.10.2', legacy=legacy)
    with pytest.raises(ConfigRunError) as caught:
        run.apply(timeout=60)
    assert 'GitHub services' in caught.value.message


def test_a_run_that_never_ends_times_out():
    run, clock = runner('3.13.0', manage=FakeManage(polls_running=10 ** 6))
    with pytest.raises(WaitTimeoutError):
        run.apply(timeout=30)
    assert 29 <= clock.now <= 31


def test_wait_idle_returns_when_the_running_apply_ends():
    run, _clock = runner('3.12.0', manage=FakeManage(polls_running=2))
    run.wait_idle(timeout=10)


class Told:
    """A progress factory for ``_wait.wait_until``: records what the runner says it sees, keeps its pace."""

    def __init__(self):
        self.waits = []
        self.wait = None

    def __call__(self, what, timeout, **options):
        self.waits.append({'what': what, 'timeout': timeout, 'seen': []})
        self.wait = quiet(what, timeout, **options)
        return self

    def seen(self, state):
        self.waits[-1]['seen'].append(state)

    def next(self, interval=None):
        return self.wait.next(interval)


def test_a_wait_for_a_running_configuration_is_told_while_it_lasts():
    told = Told()
    manage = FakeManage(polls_running=3)
    clock = Clock()
    run = ConfigRunner(GhesVersion('3.16.0'), manage, None, clock=clock, sleep=clock.sleep, waiter=told)
    run.apply(60)
    assert len(told.waits) == 1 and told.waits[0]['timeout'] == 60
    assert told.waits[0]['what'].startswith('configuration run ')
    assert told.waits[0]['seen'] == ['running'] * 3


class Answers:
    """A Manage API whose config-run answers are scripted (the last one repeats)."""

    def __init__(self, *answers):
        self.answers = list(answers)

    @staticmethod
    def start_config_apply(run_id):
        return run_id

    def config_apply_status(self, run_id=None):
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @staticmethod
    def config_apply_events(last_request_id=None):
        return {}


def test_an_answer_that_does_not_say_running_is_not_the_end_of_the_run():
    run, clock = runner('3.14.2', manage=Answers({'nodes': []}, [], 'busy', {'running': None},
                                                 {'running': False, 'successful': True, 'nodes': []}))
    assert run.apply(timeout=60)['run_id'] and clock.now < 10
    stuck, _clock = runner('3.14.2', manage=Answers({'successful': True}))
    with pytest.raises(WaitTimeoutError):
        stuck.apply(timeout=5)


@pytest.mark.parametrize('answer,said', [
    ({'running': False, 'nodes': []}, 'ended without saying that it succeeded on the appliance'),
    ({'running': False, 'successful': True, 'nodes': [{'hostname': 'replica', 'running': False}]},
     'ended without saying that it succeeded on replica'),
    ({'running': False, 'successful': True, 'nodes': ['replica']}, 'ended without saying that it succeeded on ?'),
    ({'running': False, 'successful': False, 'nodes': [{'hostname': 'primary', 'successful': True},
                                                       {'hostname': 'replica', 'successful': False}]}, 'failed on replica'),
])
def test_a_run_that_does_not_say_it_succeeded_on_every_node_did_not(answer, said):
    run, _clock = runner('3.14.2', manage=Answers(answer))
    with pytest.raises(ConfigRunError) as caught:
        run.apply(timeout=60)
    assert said in caught.value.message
