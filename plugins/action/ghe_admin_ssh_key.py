# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ghe_admin_ssh_key: authorise (or remove) a public key for the administrative shell, by the Manage API.

List (``GET /manage/v1/access/ssh``) -> compare by key type and body (comments ignored) ->
``POST`` or ``DELETE`` only when needed -> list again to verify. A playbook can so bootstrap
shell access for a fleet from the Manage API password it already has.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from ansible_collections.ghes.connect.plugins.module_utils._common.argspec import appliance_spec
from ansible_collections.ghes.connect.plugins.module_utils._common.errors import GhesConnectError, InputError, Refusal
from ansible_collections.ghes.connect.plugins.module_utils._state.comparison import ssh_key_assessment
from ansible_collections.ghes.connect.plugins.plugin_utils._state_module import Outcome, Plan, StateModule

KEY_TYPES = re.compile(r'^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|'
                       r'sk-ecdsa-sha2-nistp256@openssh\.com)$')


class ActionModule(StateModule):
    COMPARE = staticmethod(ssh_key_assessment)
    # The Manage API takes the key as it is: no GHEC, no license, no console is involved.
    PREFLIGHT = False

    def argument_spec(self):
        # The GHEC options are accepted (module_defaults of the action group pass them) and not used.
        return appliance_spec(extra={
            'key': {'type': 'str', 'required': True, 'no_log': False},  # a public key
            'state': {'type': 'str', 'default': 'present', 'choices': ['present', 'absent']},
        })

    def check_input(self, params):
        parse_key(params['key'])

    def check_appliance(self, appliance, params):
        version = appliance.version
        if not version.has('manage_ssh_keys'):
            raise InputError('Authorising admin shell keys through the Manage API needs GHES 3.12 or later; %s runs %s. '
                             'Add the key in the Management Console (Settings -> Administrative shell access) instead.'
                             % (appliance.url, version))

    def read(self, appliance, params, fresh=False):
        keys, unreadable = _authorised(appliance)
        return {'keys': keys, 'unreadable': unreadable}

    def desired(self, appliance, params, before):
        return {'key': parse_key(params['key']), 'present': params['state'] == 'present'}

    def decide(self, appliance, params, before, desired, differences):
        unknown = self.compare(before, desired)[1]
        if unknown:
            # Adding could report a key already there as added; "absent" could pass while the key is listed.
            raise Refusal('%s: %s. Nothing was added or removed; check the keys in the Management Console.'
                          % (appliance.url, unknown[0]['reason']))
        if not differences:
            return None
        wanted = desired['key']
        if desired['present']:
            return Plan('add', Outcome(dict(before, keys=before['keys'] + [wanted]), True, 'manage_api',
                                       fingerprint=wanted['fingerprint']))
        stored = next(k for k in before['keys'] if k['id'] == wanted['id'])
        return Plan('remove', Outcome(dict(before, keys=[k for k in before['keys'] if k['id'] != wanted['id']]), True,
                                      'manage_api', fingerprint=wanted['fingerprint']), stored=stored['key'])

    def warnings(self, appliance, params, before, desired, differences):
        if not before['unreadable']:
            return []
        return ['The Manage API of %s lists %d key(s) that cannot be read; they are not in keys: %s.'
                % (appliance.url, len(before['unreadable']), '; '.join(before['unreadable']))]

    def act(self, appliance, params, plan):
        if plan.step == 'add':
            appliance.manage.add_ssh_key(plan.desired['key']['key'])
        else:
            appliance.manage.remove_ssh_key(plan.details['stored'])
        after = self.read(appliance, params, fresh=True)
        differences, unknown = self.compare(after, plan.desired)
        if unknown:
            raise GhesConnectError('The Manage API of %s accepted the request, but %s. Check the Management Console.'
                                   % (appliance.url, unknown[0]['reason']), changed=True)
        if differences:
            raise GhesConnectError('The Manage API of %s accepted the request, but the key %s is still %s. '
                                   'Check the Management Console.' % (
                                       appliance.url, plan.desired['key']['fingerprint'],
                                       'missing' if plan.desired['present'] else 'listed'), changed=True)
        return Outcome(after, True, plan.method, fingerprint=plan.desired['key']['fingerprint'])

    def verified(self, state, desired):
        differences, unknown = ssh_key_assessment(state, desired)
        return not differences and not unknown, None

    def unchanged(self, before, desired):
        return Outcome(before, False, fingerprint=desired['key']['fingerprint'])

    def report(self, before, outcome):
        return {'fingerprint': outcome.fact('fingerprint'), 'keys': [k['fingerprint'] for k in outcome.after['keys']],
                'sources': {'keys': 'manage_api'}}

    def diffable(self, state):
        return {'keys': [k['fingerprint'] for k in state['keys']]}


def parse_key(text):
    """``{key, id, fingerprint}`` of one OpenSSH public key line; InputError (never echoing it) otherwise."""
    text = str(text or '').strip()
    if 'PRIVATE KEY' in text:
        raise InputError('key holds a PRIVATE key: give the public key (the .pub file, "ssh-ed25519 AAAA... comment"). '
                         'The private key was not sent anywhere.')
    parts = text.split()
    if len(parts) < 2 or '\n' in text or not KEY_TYPES.match(parts[0]):
        raise InputError('key must be one OpenSSH public key line, "TYPE BASE64 [comment]" with TYPE ssh-ed25519, '
                         'ssh-rsa, ecdsa-sha2-nistp256/384/521 or an sk- type (the content of a .pub file).')
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError('key: the part after "%s" is not base64: give the content of the .pub file.' % parts[0]) from exc
    fingerprint = 'SHA256:' + base64.b64encode(hashlib.sha256(blob).digest()).decode('ascii').rstrip('=')
    return {'key': text, 'id': (parts[0], parts[1]), 'fingerprint': fingerprint}


def _authorised(appliance):
    """``(keys, unreadable)``: the keys the Manage API lists (``parse_key``), and why each entry it lists whose key
    cannot be read cannot be (it may be any key: the comparison says so, never skips it)."""
    keys, unreadable = [], []
    for number, fact in enumerate(appliance.manage.ssh_keys(), 1):
        if not fact.known:
            unreadable.append(fact.reason)
            continue
        try:
            keys.append(parse_key(fact.value))
        except InputError:
            # Its text is not echoed: the reason names the entry, as parse_key never echoes a key.
            unreadable.append('key of entry %d of the Manage API SSH key list is not one OpenSSH public key line' % number)
    return keys, unreadable
