# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An installation as GHEC's GraphQL lists it: the one shape every consumer holds after parsing.

The client checks the answer's types (a wrong type is an error naming the field); this record
then says, field by field, what the node said: a fact with its source, or unknown with the
reason ("isConnected is null in GHEC's installation "ghes.example.com""). Modules, the scan
and the inventory plugin choose among installations (``identity.choose_installation``) and
report them from this record only: ``to_dict()`` is the snake_case shape results show.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.ghes.connect.plugins.module_utils._common.records import Fact, Record, field_fact
from ansible_collections.ghes.connect.plugins.module_utils._ghec.uploads import uploads

SOURCE = 'ghec_graphql'

# GraphQL field -> record field: the fields the collection asks for (client.INSTALLATIONS_QUERY).
FIELDS = (('id', 'id'), ('hostName', 'host_name'), ('customerName', 'customer_name'),
          ('isConnected', 'is_connected'), ('createdAt', 'created_at'), ('updatedAt', 'updated_at'))
# What a cache keeps of a node: everything parse_installation reads.
NODE_FIELDS = tuple(key for key, _field in FIELDS) + ('userAccountsUploads',)


@dataclasses.dataclass(frozen=True)
class Installation(Record):
    """One installation; ``others`` are the installations GHEC lists under the same host name (chosen against)."""

    id: Fact
    host_name: Fact
    customer_name: Fact
    is_connected: Fact
    created_at: Fact
    updated_at: Fact
    uploads: tuple = ()
    others: tuple = ()

    @property
    def name(self):
        """The host name for messages, or the id when GHEC gave no name."""
        return self.host_name.value or self.id.value or 'unnamed'


def parse_installation(node):
    """The ``Installation`` of one GraphQL node (a dict the client checked; anything else has every field unknown)."""
    label = node.get('hostName') if isinstance(node, dict) and isinstance(node.get('hostName'), str) else None
    what = 'GHEC\'s installation "%s"' % label if label else 'a GHEC installation'
    facts = dict((field, field_fact(node, key, bool if key == 'isConnected' else str, SOURCE, what))
                 for key, field in FIELDS)
    return Installation(uploads=tuple(uploads(node if isinstance(node, dict) else None)), **facts)
