# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The license usage export, validated before anything is uploaded, and GHEC's record of its uploads.

The file carries the appliance's server id, host name, version, license hash and public
key, the Connect features with their dates, and an encrypted user list (``users``) that
is treated as a secret: it is never shown, logged or put in a message.

GHEC lists an installation's uploads (GraphQL ``userAccountsUploads``); ``uploads`` parses them
once into ``Upload`` records, for the modules, the drift records and the inventory plugin alike:
a field GHEC left out, null or of another type is unknown with the reason, never a silent None.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

from ansible_collections.ghes.connect.plugins.module_utils._common.errors import InputError
from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, Record, field_fact
from ansible_collections.ghes.connect.plugins.module_utils._ghec.sync_health import parse_time

REQUIRED_INSTANCE_FIELDS = ('server_id', 'host_name', 'version', 'public_key', 'features')
UUID_PATTERN = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.IGNORECASE)
SOURCE = 'ghec_graphql'
# GraphQL field -> record field of an upload (client.INSTALLATIONS_QUERY asks for these).
UPLOAD_FIELDS = (('name', 'name'), ('syncState', 'sync_state'), ('createdAt', 'created_at'))


@dataclasses.dataclass(frozen=True)
class Upload(Record):
    """One license usage upload as GHEC lists it; ``to_dict()`` is ``{name, sync_state, created_at}``."""

    name: Fact
    sync_state: Fact
    created_at: Fact


def parse_upload(node):
    """The ``Upload`` of one GraphQL node; what the node does not say as a string is unknown, saying why."""
    label = node.get('name') if isinstance(node, dict) and isinstance(node.get('name'), str) else None
    what = 'GHEC\'s upload "%s"' % label if label else 'a GHEC upload'
    return Upload(**dict((field, field_fact(node, key, str, SOURCE, what)) for key, field in UPLOAD_FIELDS))


class UsageFile:
    def __init__(self, content, label):
        self.content = content
        self.label = label
        self.sha256 = hashlib.sha256(content).hexdigest()
        data = _parse(content, label)
        instance = data['instance']
        self.server_id = instance['server_id']
        self.host_name = instance['host_name']
        self.version = instance['version']
        self.features = [f.get('name') for f in instance['features'] if isinstance(f, dict)]
        self.users = data['users']

    @property
    def upload_name(self):
        """Names the upload after the content, so GHEC's upload list tells whether it was sent."""
        return 'ghes-usage-%s-%s.json' % (re.sub(r'[^A-Za-z0-9.-]', '-', self.host_name), self.sha256[:16])

    def summary(self):
        return {'server_id': self.server_id, 'host_name': self.host_name, 'version': self.version,
                'features': self.features, 'sha256': self.sha256}

    def check_belongs_to(self, hostname, server_id=None):
        problems = []
        if hostname and self.host_name.lower() != hostname.lower():
            problems.append('%s is the export of %s, not of this appliance (%s).' % (self.label, self.host_name, hostname))
        if server_id and self.server_id.lower() != server_id.lower():
            problems.append('%s carries server id %s, but GHEC knows %s as %s: it is another appliance\'s export.'
                            % (self.label, self.server_id, hostname, server_id))
        if problems:
            raise InputError(' '.join(problems) + ' Nothing was uploaded.')

    def upload_view(self, upload):
        """An ``Upload`` as a result shows it: ``to_dict()`` with ``sha256`` when it is this export's."""
        if not upload:
            return None
        return dict(upload.to_dict(), sha256=self.sha256 if upload.name.value == self.upload_name else None)


def uploads(installation):
    """The ``Upload`` records GHEC lists in an installation (a GraphQL node)."""
    nodes = (((installation or {}).get('userAccountsUploads') or {}).get('nodes')) or []
    return [parse_upload(u) for u in nodes if isinstance(u, dict)]


def latest_upload(records):
    """``(upload, reason)``: the ``Upload`` GHEC created last; ``(None, None)`` when it lists none, ``(None, reason)``
    when which is last cannot be told: among several, one whose date is unknown or unreadable could be newer than
    every dated one, or several differing uploads carry the latest date. The only upload listed is the last, dated or not.

    The one rule of which upload is the latest, wherever it is judged or shown: an undated upload is never passed
    over as older than a dated one."""
    records = list(records or ())
    if len(records) <= 1:
        return (records[0] if records else None), None
    undated = [reason for reason in (undated_reason(upload) for upload in records) if reason]
    if undated:
        more = ' (and %d more upload(s) without a readable date)' % (len(undated) - 1) if len(undated) > 1 else ''
        return None, 'which upload is the latest cannot be told: %s%s' % (undated[0], more)
    when = dict((id(upload), parse_time(upload.created_at.value).timestamp()) for upload in records)
    last = max(when.values())
    tied = [upload for upload in records if when[id(upload)] == last]
    if any(upload != tied[0] for upload in tied):
        return None, ('which upload is the latest cannot be told: GHEC dates %d different uploads %s (%s)'
                      % (len(tied), tied[0].created_at.value, ', '.join(label(upload) for upload in tied)))
    return tied[0], None


def upload_named(records, name):
    """The upload of ``records`` named ``name``, or None when GHEC lists none.

    An export sent again (``force``) is listed once per sending: the latest of them is this export's upload. When
    which is the latest cannot be told, the upload's state and date are unknown, saying why: never the first one's.
    """
    same = [upload for upload in records if upload.name.value == name]
    latest, untold = latest_upload(same)
    if untold is None:
        return latest
    reason = 'GHEC lists %s %d times and %s' % (name, len(same), untold)
    return Upload(name=same[0].name, sync_state=Fact.missing(reason), created_at=Fact.missing(reason))


def undated_reason(upload):
    """Why the date of ``upload`` cannot be read (GHEC did not say it, or said no date), or None when it can."""
    if not upload.created_at.known:
        return upload.created_at.reason
    if parse_time(upload.created_at.value) is None:
        return 'GHEC\'s date of the upload %s ("%s") cannot be read as a date' % (label(upload), upload.created_at.value)
    return None


def label(upload):
    """How words name ``upload``: its name, or that GHEC gave none and why (never "None")."""
    return upload.name.value if upload.name.known else 'without a name (%s)' % upload.name.reason


def shown(upload):
    """An ``Upload`` (or None) as results show it."""
    return upload.to_dict() if upload else None


def _parse(content, label):
    try:
        data = json.loads(content.decode('utf-8'))
    except UnicodeDecodeError:
        raise InputError('%s is not UTF-8 text: it is not a license usage export. Nothing was uploaded.' % label)
    except ValueError as exc:
        # The position is useful, the text around it may be secret: report only the position.
        where = 'line %s column %s' % (getattr(exc, 'lineno', '?'), getattr(exc, 'colno', '?'))
        raise InputError('%s is not valid JSON (%s): export it again. Nothing was uploaded.' % (label, where))
    if not isinstance(data, dict) or not isinstance(data.get('instance'), dict):
        raise InputError('%s has no "instance" object: it is not a license usage export. Nothing was uploaded.' % label)
    instance = data['instance']
    # features may be an empty list (an appliance with no Connect feature on); the rest must be non-empty.
    missing = [f for f in REQUIRED_INSTANCE_FIELDS if f not in instance or (f != 'features' and not instance[f])]
    if missing:
        raise InputError('%s lacks instance.%s: the export is incomplete or was edited. Nothing was uploaded.'
                         % (label, ', instance.'.join(missing)))
    if not UUID_PATTERN.match(str(instance['server_id'])):
        raise InputError('%s has a malformed instance.server_id: the export was edited. Nothing was uploaded.' % label)
    if not isinstance(instance['features'], list):
        raise InputError('%s has instance.features that is not a list. Nothing was uploaded.' % label)
    if not isinstance(data.get('users'), str) or not data['users']:
        raise InputError('%s lacks the encrypted "users" list. Nothing was uploaded.' % label)
    return data
