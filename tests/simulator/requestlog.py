"""Per-host request log: counters plus a bounded list of recent requests."""
import collections

READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
# Console POSTs that only sign in: they change nothing on the appliance.
SIGN_IN_PATHS = frozenset(("/session", "/sessions/two-factor", "/sessions/sudo", "/logout"))


def appliance_write(method, path):
    """Writes: any non-GET on an appliance except the sign-in POSTs (Manage API, /setup/api,
    and the console forms that enable/disable Connect, switch features and Sync now)."""
    return method not in READ_METHODS and path not in SIGN_IN_PATHS


def ghec_write(method, path):
    """Writes on GHEC: the server_usage upload (any non-GET except POST /graphql, a read)."""
    return method not in READ_METHODS and path != "/graphql"


class RequestLog:
    __slots__ = ("entries", "reads", "writes")

    def __init__(self, keep=2000):
        self.entries = collections.deque(maxlen=keep)
        self.reads = 0
        self.writes = 0

    def add(self, method, path, status, write):
        self.entries.append((method, path, status, write))
        if write:
            self.writes += 1
        else:
            self.reads += 1

    def clear(self):
        self.entries.clear()
        self.reads = self.writes = 0

    def counts(self):
        return {"reads": self.reads, "writes": self.writes}

    def view(self):
        return {"requests": [{"method": m, "path": p, "status": s, "write": w} for m, p, s, w in self.entries],
                "reads": self.reads, "writes": self.writes}
