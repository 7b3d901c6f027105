"""Injected faults: status bursts, latency, connection resets, black holes and trickled answers, scoped and bounded.

``hang: true``: the connection is accepted and the request read, and no answer ever comes.
``trickle: SECONDS``: the real answer is sent one byte every SECONDS (a socket timeout never fires).
"""
import itertools
import random

FAULT_KEYS = {"target", "method", "path_prefix", "status", "count", "retry_after", "latency", "reset",
              "probability", "seed", "body", "hang", "trickle", "headers", "pad"}


class Fault:
    def __init__(self, fault_id, spec):
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ValueError("unknown fault field(s): %s" % ", ".join(sorted(unknown)))
        self.id = fault_id
        self.target = spec.get("target", "*")
        self.method = (spec.get("method") or "").upper() or None
        self.path_prefix = spec.get("path_prefix") or ""
        self.status = spec.get("status")
        self.count = spec.get("count")
        self.retry_after = spec.get("retry_after")
        self.latency = float(spec.get("latency") or 0.0)
        self.reset = bool(spec.get("reset", False))
        self.probability = float(spec.get("probability", 1.0))
        self.seed = spec.get("seed")
        self.body = spec.get("body")
        self.headers = dict(spec.get("headers") or {})    # added to a status fault's answer (X-RateLimit-*)
        self.pad = int(spec.get("pad") or 0)         # bytes of padding in a status fault's JSON answer
        self.hang = bool(spec.get("hang", False))
        self.trickle = float(spec.get("trickle") or 0.0)
        self.applied = 0
        self._random = random.Random(self.seed)
        if self.status is None and not self.reset and not self.latency and not self.hang and not self.trickle:
            raise ValueError("a fault needs a status, reset: true, hang: true, a trickle or a latency")
        if self.status is not None:
            self.status = int(self.status)

    def matches(self, target, method, path):
        return ((self.target == "*" or self.target == target)
                and (self.method is None or self.method == method)
                and path.startswith(self.path_prefix))

    def view(self):
        return {"id": self.id, "target": self.target, "method": self.method, "path_prefix": self.path_prefix,
                "status": self.status, "count": self.count, "retry_after": self.retry_after,
                "latency": self.latency, "reset": self.reset, "probability": self.probability,
                "seed": self.seed, "applied": self.applied, "hang": self.hang, "trickle": self.trickle,
                "headers": self.headers, "pad": self.pad}


class Faults:
    def __init__(self):
        self._faults = []
        self._ids = itertools.count(1)

    def add(self, spec):
        fault = Fault(next(self._ids), spec)
        self._faults.append(fault)
        return fault

    def clear(self):
        self._faults = []

    def views(self):
        return [fault.view() for fault in self._faults]

    def take(self, target, method, path):
        """The first fault that applies to this request now (its count is used up), or None."""
        if not self._faults:
            return None
        for fault in self._faults:
            if not fault.matches(target, method, path):
                continue
            if fault.probability < 1.0 and fault._random.random() >= fault.probability:
                continue
            fault.applied += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
            return fault
        return None
