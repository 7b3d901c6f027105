# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every state module: read, compare, decide, act, verify, in that order, once.

Its subclasses, every module that converges a state: ``ghe_connect``, ``ghe_license_sync``,
``ghe_license_upload``, ``ghe_admin_ssh_key``. Each is a page of decisions. It declares:

``COMPARE``
    The ``module_utils._state.comparison`` function that compares a read state with the desired one:
    ``COMPARE(state, desired) -> (differences, unknown)`` (``[{field, before, after}]``,
    ``[{field, reason}]``). It must be defined there (checked when the class is made), so a
    converge run and a drift report can never disagree about what counts as drift.
``PREFLIGHT``
    False for a module whose writes need no preflight (the Manage API alone, no GHEC).
``check_input(params)``
    Input checks that need no appliance (raise ``InputError`` naming the option and the fix).
    ``self.check_mode`` may be read. Runs before any request.
``check_appliance(appliance, params)``
    Checks of the input against the appliance's release (``appliance.version``), before any
    state is read: a release without the feature asked for is refused without a read.
``read(appliance, params, fresh=False)``
    The state. ``fresh=True`` is the re-read after a write: no cached reads, and the most
    direct source that can be read (the console page itself, say). Reads only: no write, no
    refusal (a state that ``decide`` will refuse is returned as read, and reading stops there).
``desired(appliance, params, before)``
    What the task asks for, as ``COMPARE`` takes it. It may read what only the desired state
    makes relevant (the GHE.com keys of ``target: ghe_com``, say).
``decide(appliance, params, before, desired, differences)``
    None when nothing is to be done; otherwise a ``Plan``: the step ``act`` takes, whether it
    writes, and the ``Outcome`` check mode reports instead of taking it. Refusals (an unknown
    state, a connection to another enterprise without ``force``) are raised here, and only
    here (``Refusal``, or ``InputError`` for input the state shows wrong). No side effect: no
    write, no change to the state read, no warning (``warnings`` says those).
``warnings(appliance, params, before, desired, differences)``
    What the operator should know about the state found, once ``decide`` accepted the task: the
    base shows them with the result (default: none). ``decide`` itself has no side effect.
``act(appliance, params, plan)``
    Takes the step and returns its ``Outcome``. Never called in check mode. Writes that may land
    without an answer go through ``_wait.write_once``; waits through ``_wait.wait_until``, and
    the wait for the desired state to show is ``self.await_verified(...)``.
``verified(state, desired)``
    ``(done, seen)``: whether a fresh ``state`` shows what ``desired`` asks for, and a few words
    for the operator meanwhile (``_wait.Wait``).
``unchanged(before, desired)``
    The ``Outcome`` when ``decide`` returns None (default: ``before``, unchanged, no facts).
``report(before, outcome)``
    The module's own result fields (``connected``, ``state``, ...). Optional.
``diffable(state)``
    The projection of a state shown in ``--diff`` (default: the state). ``diff(before, outcome)``
    may be overridden where a diff holds more than the state.
``public(state)``
    The projection of a state a failure carries (default: the state).
``summarize(before, outcome)``
    What this step adds to the run's one record of the appliance (``plugin_utils._run_record``): a dict of
    ``_run_record.build``'s keywords (``step``, ``license_report`` and state fields), or None (default) for a
    module that keeps no such record. The base builds ``summary`` from it on the option ``summary`` (the step
    before's record), in check mode from the prediction; a step before that left a ``problem`` fails the task with
    it, before any read.

The base owns the rest, identically for every module:

- the operator's progress lines: the waits' through ``appliance.waiter`` (which ``GhesActionBase.run`` sets for every
  task), the plan's through ``plan.tell``, both naming the inventory host;
- the unsupported-release stop and ``check_appliance`` before the first read, and before any plan that writes the
  preflight (``_facts.preflight`` with ``plan.need_connect_license`` and the task's
  ``config_wait_timeout``) and, when the plan's method is ``console``, the console
  credentials check - in check mode too, so check mode predicts those failures;
- the comparison (``COMPARE`` only), check mode (``plan.predicted``, no ``act``), the diff;
- the result: ``changed``, ``differences`` (of the state found at the start), ``unknown``
  (only when something is), ``method_used`` (``none``, ``console``, ``manual``, ...), then
  ``report()``'s fields, ``summary`` (``summarize()``'s record) and, in diff mode, ``diff``;
- the failure mapping: ``GhesActionBase`` turns a ``GhesConnectError`` into the failed result
  (``changed``, ``state``, ... from its details); ``await_verified`` raises the timeout with
  ``changed`` and the ``public()`` state last seen.

Nothing passes between the steps through attributes: each step gets what it needs as
arguments, and ``act`` gets the ``Plan``, which holds ``before``, ``desired``, ``differences``
and ``tell`` (set by the base) beside the step's own ``details``.
"""

from __future__ import annotations

import functools

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import WaitTimeoutError
from ansible_collections.ghes.connect.plugins.module_utils._common.waits import wait_until
from ansible_collections.ghes.connect.plugins.module_utils._state.gathering import preflight
from ansible_collections.ghes.connect.plugins.module_utils._state import comparison as _drift
from ansible_collections.ghes.connect.plugins.plugin_utils._action_base import GhesActionBase, operator_name
from ansible_collections.ghes.connect.plugins.plugin_utils import _run_record

NO_METHOD = 'none'


class Outcome:
    """What a step did, or in check mode would do: the state after, whether it changed, how, and facts.

    ``facts`` are the module's own (``pending``, ``instruction``, ``authorization_url`` ...),
    read by its ``report()``; ``outcome.fact(name)`` is None for a fact not given.
    """

    def __init__(self, after, changed, method_used=NO_METHOD, **facts):
        self.after = after
        self.changed = changed
        self.method_used = method_used
        self.facts = facts

    def fact(self, name):
        return self.facts.get(name)


class Plan:
    """A decision of ``decide()``: the ``step`` ``act()`` takes, and ``predicted``, the check-mode ``Outcome``.

    ``writes``: the step writes (the preflight and, for method ``console``, the console
    credentials are checked first); a step that only waits (an approval already requested)
    does not. ``need_connect_license``: the preflight refuses a license without GitHub Connect
    (not for switching it off). ``details``: what the step needs beyond the state.
    """

    def __init__(self, step, predicted, writes=True, need_connect_license=True, **details):
        self.step = step
        self.predicted = predicted
        self.writes = writes
        self.need_connect_license = need_connect_license
        self.details = details
        # Set by the base before act(): the state found, what is desired, how they differ, and
        # tell(line), which shows the operator "<inventory host>: <line>" at once.
        self.before = self.desired = self.differences = self.tell = None

    @property
    def method(self):
        return self.predicted.method_used


class StateModule(GhesActionBase):
    """Read, compare (``_drift``), decide, act or predict, verify, report: see the module docstring."""

    COMPARE = None
    PREFLIGHT = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        compare = cls.__dict__.get('COMPARE')
        if compare is not None and getattr(compare, '__module__', None) != _drift.__name__:
            raise TypeError('%s.COMPARE must be a function of module_utils._state.comparison, the one comparison, not %r'
                            % (cls.__name__, compare))

    # -- what a concrete module declares --------------------------------------------------
    def check_input(self, params):
        """Raise ``InputError`` for input that is wrong before anything is read."""

    def check_appliance(self, appliance, params):
        """Raise ``InputError`` for input this appliance's release cannot carry out."""

    def read(self, appliance, params, fresh=False):
        raise NotImplementedError

    def desired(self, appliance, params, before):
        raise NotImplementedError

    def decide(self, appliance, params, before, desired, differences):
        raise NotImplementedError

    def act(self, appliance, params, plan):
        raise NotImplementedError

    def verified(self, state, desired):
        raise NotImplementedError

    def warnings(self, appliance, params, before, desired, differences):
        return []

    def unchanged(self, before, desired):
        return Outcome(before, changed=False)

    def report(self, before, outcome):
        return {}

    def diffable(self, state):
        return state

    def public(self, state):
        return state

    def diff(self, before, outcome):
        return {'before': self.diffable(before), 'after': self.diffable(outcome.after)}

    def summarize(self, before, outcome):
        return None

    # -- what the base does ---------------------------------------------------------------
    def execute(self, appliance, params, task_vars):
        self.check_input(params)
        name = operator_name(appliance, task_vars)
        if params.get('summary') is not None:  # a record that is not the step before's, or a failed one, fails before any read
            _run_record.carry_on(params['summary'], name)
        if not appliance.version.supported:
            preflight(appliance)  # raises, naming the release and what to do
        self.check_appliance(appliance, params)
        before = self.read(appliance, params)
        desired = self.desired(appliance, params, before)
        differences, unknown = self.compare(before, desired)
        plan = self.decide(appliance, params, before, desired, differences)
        notes = self.warnings(appliance, params, before, desired, differences)
        if notes:
            appliance.warnings.extend(notes)
        if plan is None:
            outcome = self.unchanged(before, desired)
        else:
            self.before_step(appliance, params, plan)
            plan.before, plan.desired, plan.differences = before, desired, differences
            plan.tell = functools.partial(_tell, self.say, name)
            outcome = plan.predicted if self.check_mode else self.act(appliance, params, plan)
        result = self.result(before, outcome, differences, unknown)
        facts = self.summarize(before, outcome)
        if facts is not None:
            result['summary'] = _run_record.build(params.get('summary'), name, self.check_mode, changed=outcome.changed, **facts)
        return result

    def compare(self, state, desired):
        """``(differences, unknown)`` of ``state`` against ``desired``, by ``COMPARE`` (a ``_drift`` rule)."""
        return type(self).COMPARE(state, desired)

    def before_step(self, appliance, params, plan):
        """Stop before a write that must not start: the preflight (unless ``PREFLIGHT`` is False), then the console credentials."""
        if not plan.writes or not self.PREFLIGHT:
            return
        preflight(appliance, need_connect_license=plan.need_connect_license,
                  config_wait=params.get('config_wait_timeout') or 0)
        if plan.method == 'console':
            _console = appliance.console  # fails naming method: manual without credentials

    def await_verified(self, appliance, params, desired, timeout, what, changed, message=None, **wait_options):
        """Re-read (``read(fresh=True)``) until ``verified`` says done and return that state.

        At the deadline the task fails with ``WaitTimeoutError``: ``message`` (default: what was
        awaited, for how long), whether this task ``changed`` anything, and the ``public()``
        state last seen. ``wait_options`` go to ``wait_until`` (``poll``, ``clock``, ``sleep``).
        """
        def probe():
            state = self.read(appliance, params, fresh=True)
            done, seen = self.verified(state, desired)
            return done, state, seen

        def timed_out(state):
            raise WaitTimeoutError(message or 'Timed out after %ss waiting for %s.' % (timeout, what),
                                   changed=changed, state=self.public(state))
        return wait_until(probe, timeout, what, progress=appliance.waiter, on_timeout=timed_out, **wait_options)

    def result(self, before, outcome, differences, unknown):
        result = {'changed': bool(outcome.changed), 'differences': differences, 'method_used': outcome.method_used}
        if unknown:
            result['unknown'] = unknown
        result.update(self.report(before, outcome))
        if self.diff_mode:
            result['diff'] = self.diff(before, outcome)
        return result


def _tell(say, who, line):
    say('%s: %s' % (who, line))
