# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run did on one appliance, or in check mode would do: ONE record, which each step builds on.

The steps of the ``ghes.connect.enable`` role each return it as ``summary``: the fleet step (``ghe_connect_fleet``,
one per host in ``summaries``), ``ghe_connect``, ``ghe_license_sync``, ``ghe_license_upload``, and last the
verification (``ghe_connect_info``). Each takes the step before's record (its option ``summary``) and adds what it
found, did or predicted; the appliance's line, the fleet summary and the verification's verdict are printed from
the last one, so they cannot give different answers. The record is built here only: the role copies it, never
derives a field of it.

``connected``, ``license_sync`` (None: unknown), ``last_sync``, ``last_upload`` (None: none, or unknown with the
reason in ``last_upload_unknown``): the state the run leaves (in check mode: would leave, a connection once approved
on GitHub.com); ``steps``: what was done (would be done), each once, in order; ``problem``: why the appliance is
not in the desired state after the run (the verification's; None in check mode, which verifies no prediction), or
why a step could not go on (the next step fails with it).
"""

from __future__ import annotations

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import latest_upload, shown
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import UPLOAD_FIELD

STATE_FIELDS = ('connected', 'pending_approval', 'authorization_url', 'license_sync', 'last_sync', 'last_upload',
                'last_upload_unknown', 'upload_problem')
FIELDS = ('appliance', 'predicted', 'license_report') + STATE_FIELDS + ('steps', 'changed', 'problem')
WORDS = {True: 'on', False: 'off'}
# The option of every step that builds on the step before's record (its result's ``summary``).
SUMMARY_OPTION = {'type': 'dict'}


def new_record(appliance, predicted, license_report='sync'):
    """The record before any step: nothing known, nothing done."""
    record = dict.fromkeys(FIELDS)
    record.update(appliance=appliance, predicted=bool(predicted), license_report=license_report, steps=[],
                  changed=False, pending_approval=False)
    return record


def build(previous, appliance, predicted, license_report='sync', steps=(), changed=False, problem=None, **state):
    """``previous`` (the step before's record, or None: this step is the first) with this step's ``state``, ``steps``, ``changed``.

    ``state``: only fields of ``STATE_FIELDS`` this step knows; the others stay as the step before left them.
    ``problem``: why this step could not bring the appliance further; the next step fails with it (``carry_on``).
    """
    wrong = sorted(set(state) - set(STATE_FIELDS))
    if wrong:
        raise ValueError('not fields of the run record: %s' % ', '.join(wrong))
    record = checked(previous, appliance) if previous is not None else new_record(appliance, predicted, license_report)
    record = dict(record, steps=list(record['steps']))
    if 'last_upload' in state:
        # One fact: a step that says the latest upload says why it is unknown, or that it is not.
        state.setdefault('last_upload_unknown', None)
    record.update(state)
    record['steps'].extend(step for step in steps if step not in record['steps'])
    record['changed'] = bool(record['changed'] or changed)
    if problem is not None:
        record['problem'] = problem
    return record


def carry_on(previous, appliance):
    """Check ``previous`` (``checked``) before a step builds on it, and fail with its ``problem``: a step never
    goes on from one that could not bring the appliance that far (the fleet step's refusal, say)."""
    record = checked(previous, appliance)
    if record['problem'] is not None:
        raise GhesConnectError(record['problem'], changed=False)
    return record


def checked(previous, appliance):
    """``previous`` when it is a run record of ``appliance``; ``InputError`` naming what is wrong otherwise."""
    if not isinstance(previous, dict):
        raise InputError('summary must be the summary the step before returned (a dict), not %s.' % type(previous).__name__)
    missing = [field for field in FIELDS if field not in previous]
    if missing:
        raise InputError('summary is not the summary a ghes.connect step returned: it has no %s.' % ', '.join(missing))
    if previous['appliance'] != appliance:
        raise InputError('summary is the record of %s, not of %s.' % (previous['appliance'], appliance))
    return previous


def verified(previous, appliance, predicted, info, differences, unknown):
    """The last record: ``previous`` checked against a fresh read (``ghe_connect_info``'s ``info``).

    After a real run the read is the truth: its values replace the steps', and ``problem`` says where the appliance
    is not as the run leaves it: not connected, a license sync switch the read does not show as the steps left it,
    or (air-gapped) why its latest upload is not good. In check mode the steps' predictions stand (nothing was
    written, so the read shows the state before the run); only fields no step gave come from the read.
    ``differences``, ``unknown``: the read's differences from the air-gapped desired state and what it could not
    judge (their ``UPLOAD_FIELD`` entry says what is wrong with the latest upload, or why that cannot be told: an
    appliance whose upload cannot be judged is not in the desired state as far as this run can show).
    """
    record = checked(previous, appliance) if previous is not None else new_record(appliance, predicted)
    read = _read_fields(info, differences, unknown)
    if predicted:
        taken = dict((k, v) for k, v in read.items() if record[k] is None)
        if record['last_upload'] is not None or record['last_upload_unknown'] is not None:
            # A step said which upload is the latest, or why it cannot be told: the read's half does not replace it.
            taken.pop('last_upload', None)
            taken.pop('last_upload_unknown', None)
        return dict(record, **taken)
    found = dict(record, **read)
    found['pending_approval'] = bool(record['pending_approval'] and not found['connected'])
    found['problem'] = _problem(record, found)
    return found


def _read_fields(info, differences, unknown):
    connect = info['connect'] if 'connect' in info else None
    sync = info['license_sync'] if 'license_sync' in info else None
    installation = connect.installation if connect else None
    last_upload, last_upload_unknown = latest_upload(installation.uploads if installation else None)
    return {'connected': connect.connected if connect else None,
            'license_sync': sync.enabled if sync else None,
            'last_sync': sync.last_sync if sync else None,
            'last_upload': shown(last_upload),
            'last_upload_unknown': last_upload_unknown,
            'upload_problem': _upload_problem(differences, unknown)}


def _upload_problem(differences, unknown):
    """What is wrong with the latest upload by the read's check (``comparison.upload_assessment``), or why that cannot be
    told; None when nothing is. Only the upload's entry: an appliance that reports by sync has none."""
    for difference in differences or ():
        if difference['field'] == UPLOAD_FIELD:
            return difference['before']
    for entry in unknown or ():
        if entry['field'] == UPLOAD_FIELD:
            return 'unknown: %s' % entry['reason']
    return None


def _problem(claimed, found):
    """Why the appliance is not as the steps (``claimed``) left it by the fresh read (``found``); None when it is."""
    if found['license_report'] == 'upload':
        return found['upload_problem']
    if found['connected'] and (claimed['license_sync'] is None or found['license_sync'] == claimed['license_sync']):
        return None
    words = 'connected=%s, license_sync=%s' % (found['connected'], 'unknown' if found['license_sync'] is None
                                               else found['license_sync'])
    if found['pending_approval'] and found['authorization_url']:
        words += ', approve at %s' % found['authorization_url']
    return words


def line(record):
    """The appliance's line: what the run did (in check mode would do) and the state it leaves, on one line."""
    words = 'PREDICTED (check mode) ' if record['predicted'] else ''
    if record['license_report'] == 'upload':
        words += 'license_report=upload latest_upload=%s' % _upload_words(record['last_upload'], record['last_upload_unknown'])
    else:
        words += 'connected=%s license_sync=%s last_sync=%s' % (
            record['connected'], 'unknown' if record['license_sync'] is None else record['license_sync'],
            record['last_sync']['date'] if record['last_sync'] else 'never')
        if record['pending_approval'] and record['authorization_url']:
            words += ' (pending approval at %s)' % record['authorization_url']
    if not record['steps']:
        return words + ' - already in the desired state'
    return words + ' - %s: %s' % ('would' if record['predicted'] else 'did', ', '.join(record['steps']))


def _upload_words(upload, unknown):
    """The latest upload on the line: its name and state, unknown (why), or none; a field GHEC did not say is unknown."""
    if upload:
        return '%s %s' % (upload['name'] or 'unnamed', upload['sync_state'] or 'state-unknown')
    return 'unknown (%s)' % unknown if unknown else 'none'


def license_sync_step(before, after):
    """The words of a license sync switch from ``before`` to ``after`` (None: not switched)."""
    return None if after == before else 'license sync %s' % WORDS.get(after, 'unknown')
