# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Maintenance mode or a configuration run that the appliance's answer does not say blocks a write.

The simulator answers the per-node reads in shapes the documentation does not promise (a
node without a status, a run without ``running``): ghe_connect must refuse with the reason
before its first write, and the appliance's request log shows that nothing was written.
"""

from __future__ import annotations

import pytest

from harness import ghec_writes, play, writes

UNREAD = [
    ('maintenance without a status', '/manage/v1/maintenance',
     [{'hostname': 'primary', 'status': 'off'}, {'hostname': 'replica', 'status': None}],
     'Maintenance mode of the appliance', 'gave no on/off status for replica'),
    ('maintenance listing no node', '/manage/v1/maintenance', [],
     'Maintenance mode of the appliance', 'listed no node'),
    ('a config run without running', '/manage/v1/config/apply', {'successful': True, 'nodes': []},
     'Whether a configuration run is in progress on the appliance', 'no running field'),
]


@pytest.mark.parametrize('case,path,answer,subject,why', UNREAD, ids=[c[0] for c in UNREAD])
def test_what_could_not_be_read_refuses_the_write_and_nothing_is_written(sim_and_control, case, path, answer, subject,
                                                                         why):
    sim, ctl = sim_and_control(dict(name='a', version='3.14.2'))
    ctl.fault(target='a', method='GET', path_prefix=path, status=200, body=answer, count=1000)
    run = play(sim, 'connect', approval_timeout=0, config_wait_timeout=0)
    assert run.rc != 0, case
    message = run.result('Module under test', 'a')['msg']
    assert message.startswith('Preflight failed, nothing was changed: '), message
    assert subject in message and 'could not be read' in message and why in message, message
    assert writes(ctl, 'a') == [] and ghec_writes(ctl) == []
    assert ctl.appliance('a')['connected'] is False
