"""`Control`: the control API from a test, over `requests` (tests only; the simulator
itself does not need requests)."""
import time

import requests


class ControlError(RuntimeError):
    def __init__(self, response):
        try:
            message = response.json().get("message", response.text)
        except ValueError:
            message = response.text
        super().__init__("%s %s -> %d: %s" % (response.request.method, response.url, response.status_code, message))
        self.status = response.status_code


class Control:
    def __init__(self, url, ca_path, timeout=10):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = ca_path
        self.session.trust_env = False     # else REQUESTS_CA_BUNDLE overrides verify

    def _call(self, method, path, body=None):
        response = self.session.request(method, self.url + "/_control" + path, json=body, timeout=self.timeout)
        if response.status_code >= 400:
            raise ControlError(response)
        return response.json() if response.content else None

    # appliances
    def appliances(self):
        return self._call("GET", "/appliances")

    def appliance(self, name):
        return self._call("GET", "/appliances/%s" % name)

    def patch(self, name, **fields):
        return self._call("PATCH", "/appliances/%s" % name, fields)

    def requests(self, name):
        return self._call("GET", "/appliances/%s/requests" % name)

    def clear_requests(self, name):
        self._call("DELETE", "/appliances/%s/requests" % name)

    def totals(self):
        return self._call("GET", "/requests")

    def clear_all_requests(self):
        self._call("DELETE", "/requests")

    def connections(self):
        return self._call("GET", "/connections")

    def clear_connections(self):
        self._call("DELETE", "/connections")

    def shell(self, name):
        """The admin shell side: ghe_config (set), ghe_config_applied, ghe_config_writes."""
        return self._call("GET", "/appliances/%s/shell" % name)

    def secrets(self, name):
        return self._call("GET", "/appliances/%s/secrets" % name)["secrets"]

    def approve(self, name, enterprise=None):
        return self._call("POST", "/appliances/%s/approve" % name, {"enterprise": enterprise} if enterprise else {})

    def reject(self, name):
        return self._call("POST", "/appliances/%s/reject" % name, {})

    def click(self, name, switch, value):
        return self._call("POST", "/appliances/%s/click" % name, {"switch": switch, "value": value})

    def restore(self, name):
        return self._call("POST", "/appliances/%s/restore" % name, {})

    def down(self, name):
        return self._call("POST", "/appliances/%s/down" % name, {})

    def up(self, name):
        return self._call("POST", "/appliances/%s/up" % name, {})

    def expire_session(self, name):
        return self._call("POST", "/appliances/%s/expire_session" % name, {})

    # faults
    def fault(self, **spec):
        return self._call("POST", "/faults", spec)["id"]

    def faults(self):
        return self._call("GET", "/faults")

    def clear_faults(self):
        self._call("DELETE", "/faults")

    # GHEC
    def ghec(self):
        return self._call("GET", "/ghec")

    def patch_ghec(self, **fields):
        return self._call("PATCH", "/ghec", fields)

    def ghec_requests(self):
        return self._call("GET", "/ghec/requests")

    def clear_ghec_requests(self):
        self._call("DELETE", "/ghec/requests")

    # clock
    def advance(self, seconds):
        return self._call("POST", "/clock/advance", {"seconds": seconds})

    def clock(self):
        return self._call("GET", "/clock")

    def info(self):
        return self._call("GET", "/info")


def wait_for(predicate, timeout=5.0, step=0.05):
    """Poll predicate() until it returns something truthy or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)
