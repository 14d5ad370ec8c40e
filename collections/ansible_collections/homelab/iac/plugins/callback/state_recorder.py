# Copyright: (c) 2026, homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: state_recorder
type: notification
short_description: Record a homelab-iac deployment in the state database, whatever runs the playbook
version_added: 0.1.0
description:
  - When a project rendered by C(iac plan --out DIR) runs under plain C(ansible-playbook), an AWX job
    template or Semaphore, this callback records it as a deployment, with its events and the observed
    facts of every resource, in the same database C(iac) uses. C(iac status) then shows it.
  - It acts only on projects that carry the C(plan.json) homelab-iac renders beside C(site.yml), and
    stays silent when C(iac apply) runs the project itself (which records the run on its own).
  - Secrets are never stored, as with C(iac apply).
  - A check-mode run (C(ansible-playbook site.yml --check --diff), AWX's C(Check) job type) is recorded as a
    dry run, C(checked) (or C(check_failed)), with what each resource would change; it records no resource.
requirements:
  - the C(homelab-iac) Python package, installed in the Python that runs C(ansible-playbook)
    (in AWX, in the execution environment).
options:
  database_url:
    description:
      - The state database, as for C(iac). Unset, the SQLite file under C(IAC_HOME) is used.
    type: str
    env:
      - name: IAC_DATABASE_URL
    ini:
      - section: homelab_iac
        key: database_url
  enabled:
    description:
      - Set to C(off) to silence the callback. C(iac apply) sets it for the runs it records itself.
    type: str
    default: "on"
    env:
      - name: IAC_STATE_RECORDER
"""

import importlib.util
import json
import os

from ansible import context
from ansible.plugins.callback import CallbackBase

# The planner (pydantic, the state store) is imported only for a run this callback records: loading it
# costs ansible-playbook about 0.4 s, which every `iac apply` (where the callback is off) would pay.
HAS_PLANNER = importlib.util.find_spec("planner") is not None


class CallbackModule(CallbackBase):
    """Feeds ansible's results to homelab-iac's deployment recorder, as ansible-runner's events would."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "homelab.iac.state_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._recorder = None
        self._store = None
        self._deployment_id = None
        self._status = None
        self._check = False

    def v2_playbook_on_start(self, playbook):
        if str(self.get_option("enabled")).lower() in ("off", "false", "no", "0"):
            return
        plan_file = os.path.join(playbook._basedir, "plan.json")
        if not os.path.exists(plan_file):
            return  # not a homelab-iac project: nothing to record
        try:
            if not HAS_PLANNER:
                raise ImportError("planner")
            from planner.adapters.record import DeploymentRecorder
            from planner.core.plan import Plan
            from planner.state import DeploymentStatus, open_store
        except ImportError:
            self._display.warning("homelab.iac.state_recorder: the homelab-iac package is not installed in this "
                                  "Python, so this run is not recorded; pip install homelab-iac")
            return
        self._status = DeploymentStatus
        self._check = bool(context.CLIARGS.get("check"))
        with open(plan_file, encoding="utf-8") as handle:
            plan = Plan.model_validate(json.load(handle))
        try:
            self._store = open_store(self.get_option("database_url"))
            intent = {"source": plan.source, "runner": "ansible-playbook", "intents": plan.intents}
            if self._check:
                intent["check"] = True
            deployment = self._store.create_deployment(intent, plan.model_dump(mode="json"))
            self._store.update_deployment(deployment.id, status=DeploymentStatus.RUNNING)
        except Exception as err:  # the run goes on; only its record is lost, and the user is told why
            self._display.warning(f"homelab.iac.state_recorder: not recording this run: {err}")
            return
        self._deployment_id = deployment.id
        self._recorder = DeploymentRecorder(self._store, deployment.id, plan, check=self._check)
        what = "this check run (a dry run: no resource is recorded)" if self._check else "this run"
        self._display.display(f"homelab-iac: recording {what} as deployment {deployment.id[:8]}")

    def _event(self, kind, data):
        if self._recorder is not None:
            self._recorder({"event": kind, "event_data": data})

    def _result(self, kind, result):
        self._event(kind, {"task": result._task.get_name(), "host": result._host.get_name(),
                           "res": result._result})

    def v2_playbook_on_play_start(self, play):
        self._event("playbook_on_play_start", {"play": play.get_name()})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._event("playbook_on_task_start", {"task": task.get_name()})

    def v2_runner_on_ok(self, result):
        self._result("runner_on_ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result("runner_on_failed", result)

    def v2_runner_on_unreachable(self, result):
        self._result("runner_on_unreachable", result)

    def v2_runner_on_skipped(self, result):
        self._result("runner_on_skipped", result)

    def v2_playbook_on_stats(self, stats):
        if self._recorder is None:
            return
        failed = any(stats.failures.get(host) or stats.dark.get(host) for host in stats.processed)
        summary = self._recorder.summary("failed" if failed else "successful")
        failures = [address for address, result in summary["results"].items() if result["status"] == "failed"]
        done, broken = ((self._status.CHECKED, self._status.CHECK_FAILED) if self._check
                        else (self._status.SUCCEEDED, self._status.FAILED))
        if failed:
            first = failures[0] if failures else None
            error = f"{first}: {summary['results'][first]['message']}" if first else "ansible-playbook failed"
            self._store.update_deployment(self._deployment_id, status=broken, error=error, summary=summary)
        else:
            self._store.update_deployment(self._deployment_id, status=done, summary=summary)
