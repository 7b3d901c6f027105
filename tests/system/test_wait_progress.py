# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Long waits are not silent: the appliance, what is awaited, elapsed and limit, every ~15 s."""

from __future__ import annotations

import re

from harness import play


def test_a_40_second_approval_wait_prints_progress_through_the_display(sim_and_control):
    sim, ctl = sim_and_control({'name': 'slow-approver', 'version': '3.16.0', 'approve_after': 40})
    run = play(sim, 'connect', approval_timeout=90)
    assert run.rc == 0, run.output[-3000:]
    assert ctl.appliance('slow-approver')['connected']
    lines = re.findall(r'slow-approver: waiting for the approval on GitHub\.com - (\w[\w ]*), (\d+) s of 90 s', run.stdout)
    elapsed = [int(seconds) for _state, seconds in lines]
    # One line when the wait starts, then one every ~15 s: at least 0, 15 and 30 before the approval at 40.
    assert len(elapsed) >= 3, run.stdout[-3000:]
    assert elapsed[0] <= 2 and all(later - earlier <= 17 for earlier, later in zip(elapsed, elapsed[1:])), elapsed
    assert {state for state, _seconds in lines} == {'pending'}, lines
