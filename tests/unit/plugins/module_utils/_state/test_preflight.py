# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight: maintenance mode or a configuration run that could not be read blocks a write with the reason,
never passes as "off"; what is known to be off lets it start."""

from __future__ import annotations

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import PreflightError, WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.config_runs import ConfigRunner
from ansible_collections.ghes.connect.plugins.module_utils._common.releases import GhesVersion
from ansible_collections.ghes.connect.plugins.module_utils._interfaces.nodes import parse_config_apply, parse_maintenance
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import blockers
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import appliance_problems, preflight
from ansible_collections.ghes.connect.tests.unit.plugins.clock import Clock

URL = 'https://ghes.example.com'
OFF = [{'hostname': 'primary', 'status': 'off'}]
IDLE = {'running': False, 'nodes': []}


class FakeRunner:
    def __init__(self, answers):
        self.answers = list(answers)

    def wait_idle(self, timeout):
        if self.answers == ['forever']:
            raise WaitTimeoutError('Timed out after %ss waiting for a configuration run already in progress to finish.'
                                   % timeout)
        return parse_config_apply(self.answers.pop(0))


class FakeAppliance:
    """Answers maintenance and config runs as the given Manage API answers say; everything else is fine."""

    url = URL
    version = GhesVersion('3.14.2')

    def __init__(self, maintenance=None, config_apply=None):
        self._maintenance = parse_maintenance(OFF if maintenance is None else maintenance)
        self._run = parse_config_apply(IDLE if config_apply is None else config_apply)
        self.config_runner = FakeRunner([IDLE if config_apply is None else config_apply])

    @staticmethod
    def license():
        return None

    def maintenance_on(self):
        return self._maintenance.value

    def maintenance_unknown(self):
        return self._maintenance.reason

    def config_run_fact(self):
        return self._run

    @staticmethod
    def ghec_access():
        return None


def problems_of(appliance, **options):
    with pytest.raises(PreflightError) as raised:
        preflight(appliance, **options)
    return raised.value.problems


def test_maintenance_known_off_and_no_run_let_the_write_start():
    preflight(FakeAppliance())
    preflight(FakeAppliance(), config_wait=5)


@pytest.mark.parametrize('answer,why', [
    ([], 'listed no node'),
    ([{'hostname': 'primary', 'status': None}], 'gave no on/off status for primary'),
    ([{'hostname': 'primary', 'status': 'off'}, {'hostname': 'replica'}], 'gave no on/off status for replica'),
    ('maintenance', 'listed no node'),
])
def test_unknown_maintenance_blocks_with_the_reason(answer, why):
    [problem] = problems_of(FakeAppliance(maintenance=answer))
    assert problem.startswith('Maintenance mode of the appliance %s could not be read: ' % URL)
    assert why in problem and problem.endswith('nothing is written until it reads as off.')


@pytest.mark.parametrize('config_wait', [0, 5])
@pytest.mark.parametrize('answer', [{}, {'running': None}, {'nodes': [{'running': False}]}, [], 'idle'])
def test_an_unknown_config_run_blocks_with_the_reason_whether_or_not_it_is_waited_for(answer, config_wait):
    [problem] = problems_of(FakeAppliance(config_apply=answer), config_wait=config_wait)
    assert problem.startswith('Whether a configuration run is in progress on the appliance %s could not be read: ' % URL)
    assert '/manage/v1/config/apply' in problem and problem.endswith('nothing is written until it reads as idle.')


def test_both_unknown_are_both_named_and_maintenance_on_is_not_also_unknown():
    problems = problems_of(FakeAppliance(maintenance=[], config_apply={}))
    assert [p.split(' ')[0] for p in problems] == ['Maintenance', 'Whether']
    problems = problems_of(FakeAppliance(maintenance=[{'status': 'on'}, {'status': None}], config_apply={'running': True}))
    assert problems == ['The appliance %s is in maintenance mode: the console is closed until it ends; leave maintenance '
                        'mode and run again.' % URL,
                        'A configuration run is in progress on the appliance %s: wait for it to finish (or set '
                        'config_wait_timeout) and run again.' % URL]


def test_a_run_that_never_ends_is_named_once():
    appliance = FakeAppliance()
    appliance.config_runner = FakeRunner(['forever'])
    assert problems_of(appliance, config_wait=3) == [
        'Timed out after 3s waiting for a configuration run already in progress to finish.']


def test_blockers_never_read_a_missing_value_as_off_or_on():
    assert blockers(None, None, None) == []
    assert blockers(None, 'on', 'yes') == [], 'only a read that said True holds'
    said = blockers(None, None, None, unknown=[{'field': 'config_run_in_progress', 'reason': 'no running field'},
                                               {'field': 'connect.connected', 'reason': 'not ours'},
                                               {'field': 'maintenance', 'reason': 'no node'}])
    assert said == ['maintenance mode of the appliance could not be read: no node; nothing is written until it reads as off',
                    'whether a configuration run is in progress on the appliance could not be read: no running field; '
                    'nothing is written until it reads as idle']
    assert appliance_problems(FakeAppliance(), None, False, False, unknown=[]) == []


class Scripted:
    def __init__(self, *answers):
        self.answers = list(answers)

    def config_apply_status(self, run_id=None):
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_waiting_for_a_run_ends_on_an_answer_that_does_not_say_and_returns_it_unknown():
    clock = Clock()
    runner = ConfigRunner(GhesVersion('3.14.2'), Scripted({'running': True}, {'running': True}, {'nodes': []}), None,
                          clock=clock, sleep=clock.sleep)
    fact = runner.wait_idle(60)
    assert isinstance(fact, Fact) and not fact.known and 'no running field' in fact.reason and clock.now < 5
    idle = ConfigRunner(GhesVersion('3.14.2'), Scripted({'running': True}, IDLE), None, clock=clock, sleep=clock.sleep)
    assert idle.wait_idle(60) == Fact.of(False, 'GET /manage/v1/config/apply')
