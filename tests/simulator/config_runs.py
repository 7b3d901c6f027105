"""A configuration run (ghe-config-apply): it takes time, can fail, can hang.

Its state is computed from the simulated clock when asked, so nothing runs in the
background. The same run answers the Manage API (`/config/apply`, `/config/apply/events`)
and the legacy `/setup/api/configcheck`.
"""
from .clock import iso

STEPS = ["Appliance core components", "Networking", "Storage", "GitHub services",
         "Reloading application services"]
FAILING_STEP = 3      # "GitHub services" fails when the run is told to fail


class ConfigRun:
    def __init__(self, run_id, hostnames, started, seconds, fail=False, hang=False, source="manage"):
        self.run_id = run_id
        self.hostnames = list(hostnames)
        self.started = started
        self.seconds = max(0.0, float(seconds))
        self.fail = fail
        self.hang = hang
        self.source = source
        self.finished_at = None if hang else started + self.seconds

    def release(self, now):
        """A hanging run that is let go finishes now (successfully unless it was to fail)."""
        if self.hang:
            self.hang = False
            self.finished_at = now

    def running(self, now):
        return self.finished_at is None or now < self.finished_at

    def successful(self, now):
        return not self.running(now) and not self.fail

    def status(self, now):
        running, successful = self.running(now), self.successful(now)
        return {"running": running, "successful": successful,
                "nodes": [{"run_id": self.run_id, "hostname": hostname, "running": running,
                           "successful": successful} for hostname in self.hostnames]}

    def _step_time(self, index):
        return self.started + self.seconds * index / len(STEPS)

    def _steps_reached(self, now):
        """How many steps have started by `now` (a hanging run stops before the last one)."""
        reached = sum(1 for index in range(len(STEPS)) if self._step_time(index) <= now)
        if self.fail:
            reached = min(reached, FAILING_STEP + 1)
        if self.finished_at is None:
            reached = min(reached, len(STEPS) - 1)
        return reached

    def progress(self, now):
        """Legacy configcheck: {"status": running|success|failed, "progress": [...]}."""
        reached = self._steps_reached(now)
        done = not self.running(now)
        progress = []
        for index, key in enumerate(STEPS):
            if done and self.fail and index == FAILING_STEP:
                status = "FAILED"
            elif done and self.fail and index > FAILING_STEP:
                status = "PENDING"
            elif done or index < reached - 1:
                status = "DONE"
            elif index == reached - 1:
                status = "CONFIGURING"
            else:
                status = "PENDING"
            progress.append({"status": status, "key": key})
        status = "running" if not done else ("failed" if self.fail else "success")
        return {"status": status, "progress": progress}

    def events(self, now, hostname, node_index):
        """The run's events on one node so far, each with its request id."""
        events = []

        def add(ts, severity, body, name):
            request_id = "%s-%d-%d" % (self.run_id, node_index, len(events) + 1)
            events.append({"timestamp": iso(ts), "severity_text": severity, "body": body, "event_name": name,
                           "hostname": hostname, "config_run_id": self.run_id, "request_id": request_id,
                           "topology": "SingleNode" if len(self.hostnames) == 1 else "Cluster"})

        for index in range(self._steps_reached(now)):
            add(self._step_time(index), "INFO", "Configuring %s" % STEPS[index], "github_config_apply.step")
        if not self.running(now):
            if self.fail:
                add(self.finished_at, "ERROR", "Failed to configure %s: service did not start (simulated failure)"
                    % STEPS[FAILING_STEP], "github_config_apply.step_failed")
                add(self.finished_at, "ERROR", "Configuration run failed", "github_config_apply.finished")
            else:
                add(self.finished_at, "INFO", "Configuration run completed successfully",
                    "github_config_apply.finished")
        return events
