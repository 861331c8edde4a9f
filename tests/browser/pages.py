"""Every UI page the browser tests load, with the data each needs and a text that proves it
rendered that data (not just the app's frame).

`path` and `expect` are format strings over the keys `ui_data` reports. A page that needs new
data: add the data section in `ui_data.SECTIONS`, then the page.
"""

from __future__ import annotations

import string
from dataclasses import dataclass


@dataclass(frozen=True)
class UiPage:
    name: str  #: test id and screenshot name
    path: str  #: URL path (format string over the data keys)
    expect: str | None = None  #: a text that must become visible (format string), None: any content
    ui: str = "v2"
    #: why this page is known not to load clean yet (the test is an xfail saying so), or None
    known: str | None = None

    def needs(self) -> set[str]:
        """The data keys this page's path and expected text name."""
        keys: set[str] = set()
        for template in (self.path, self.expect or ""):
            keys.update(name for _, name, _, _ in string.Formatter().parse(template) if name)
        return keys

    def url(self, base: str, data: dict[str, str]) -> str:
        prefix = "/v2" if self.ui == "v2" else ""
        return base + prefix + self.path.format(**data)


V2_PAGES = [
    UiPage("runs", "/runs?tab=flow-runs", "{flow_name}"),
    UiPage("runs-task-runs", "/runs?tab=task-runs", "double"),
    UiPage("flow-run", "/runs/flow-run/{flow_run_id}", "hello from the browser test"),
    UiPage("flow-run-task-runs", "/runs/flow-run/{flow_run_id}?tab=TaskRuns", "double"),
    UiPage("flow-run-subflows", "/runs/flow-run/{flow_run_id}?tab=SubflowRuns", "browser-child"),
    UiPage("flow-run-details", "/runs/flow-run/{flow_run_id}?tab=Details", "Flow Run ID"),
    UiPage("flow-run-parameters", "/runs/flow-run/{flow_run_id}?tab=Parameters"),
    UiPage("flow-run-failed", "/runs/flow-run/{failed_run_id}", "this run fails on purpose"),
    UiPage("task-run", "/runs/task-run/{task_run_id}", "doubling"),
    UiPage("task-run-details", "/runs/task-run/{task_run_id}?tab=Details", "browser-tag"),
    UiPage("flows", "/flows", "{flow_name}"),
    UiPage("flow", "/flows/flow/{flow_id}", "{flow_name}"),
    UiPage("flow-details", "/flows/flow/{flow_id}?tab=details", "{flow_name}"),
    UiPage("flow-deployments", "/flows/flow/{deployed_flow_id}?tab=deployments", "{deployment_name}"),
    UiPage("deployments", "/deployments", "{deployment_name}"),
    UiPage("deployment", "/deployments/deployment/{deployment_id}", "{deployment_name}"),
    UiPage("deployment-upcoming", "/deployments/deployment/{deployment_id}?tab=Upcoming", "{deployment_name}"),
    UiPage("deployment-parameters", "/deployments/deployment/{deployment_id}?tab=Parameters", "hello"),
    UiPage("deployment-configuration", "/deployments/deployment/{deployment_id}?tab=Configuration"),
    UiPage("deployment-run", "/deployments/deployment/{deployment_id}/run", "{deployment_name}"),
    UiPage("deployment-edit", "/deployments/deployment/{deployment_id}/edit", "{deployment_name}"),
    UiPage("deployment-duplicate", "/deployments/deployment/{deployment_id}/duplicate", "{deployment_name}"),
    UiPage("work-pools", "/work-pools", "{work_pool_name}"),
    UiPage("work-pool", "/work-pools/work-pool/{work_pool_name}", "{work_pool_name}"),
    UiPage("work-pool-runs", "/work-pools/work-pool/{work_pool_name}?tab=Runs", "{work_pool_name}"),
    UiPage("work-pool-queues", "/work-pools/work-pool/{work_pool_name}?tab=Work%20Queues", "{work_queue_name}"),
    UiPage("work-pool-workers", "/work-pools/work-pool/{work_pool_name}?tab=Workers", "browser-worker"),
    UiPage("work-pool-deployments", "/work-pools/work-pool/{work_pool_name}?tab=Deployments", "{deployment_name}"),
    UiPage("work-pool-edit", "/work-pools/work-pool/{work_pool_name}/edit", "{work_pool_name}"),
    UiPage("work-queue", "/work-pools/work-pool/{work_pool_name}/queue/{work_queue_name}", "{work_queue_name}"),
    UiPage(
        "work-queue-edit",
        "/work-pools/work-pool/{work_pool_name}/queue/{work_queue_name}/edit",
        "{work_queue_name}",
    ),
    UiPage("work-queue-create", "/work-pools/work-pool/{work_pool_name}/queue/create", "{work_pool_name}"),
    UiPage("work-pool-create", "/work-pools/create", "Process"),
    UiPage("events", "/events", "browser.test.happened"),
    UiPage("event", "/events/event/{event_date}/{event_id}", "browser.test.happened"),
    UiPage("concurrency-global", "/concurrency-limits?tab=global", "{global_limit_name}"),
    UiPage("concurrency-task-run", "/concurrency-limits?tab=task-run", "browser-tag"),
    UiPage("concurrency-limit", "/concurrency-limits/concurrency-limit/{tag_limit_id}", "browser-tag"),
    UiPage("settings", "/settings", "Settings"),
    UiPage("variables", "/variables", "{variable_name}"),
    UiPage("artifacts", "/artifacts", "{artifact_key}"),
    UiPage("artifact-key", "/artifacts/key/{artifact_key}", "{artifact_key}"),
    # made in a flow outside any task: the page asks for the task run `""` (docs/compatibility.md)
    UiPage("artifact", "/artifacts/artifact/{artifact_id}", "all good"),
    UiPage("flow-run-artifacts", "/runs/flow-run/{artifacts_run_id}?tab=Artifacts", "{artifact_key}"),
    UiPage("automations", "/automations", "{automation_name}"),
    # the detail page names the deployment its run-deployment action starts (read by id)
    UiPage("automation", "/automations/automation/{automation_id}", "{deployment_name}"),
    UiPage("automation-edit", "/automations/automation/{automation_id}/edit", "browser.test.never-emitted"),
    UiPage("automation-create", "/automations/create", "Trigger Template"),
    UiPage("blocks", "/blocks", "{block_name}"),
    UiPage("block", "/blocks/block/{block_id}", "{block_name}"),
    UiPage("block-edit", "/blocks/block/{block_id}/edit", "{block_name}"),
    UiPage("block-catalog", "/blocks/catalog", "Secret"),
    UiPage("block-catalog-type", "/blocks/catalog/{block_type_slug}", "Secret"),
    UiPage("block-create", "/blocks/catalog/{block_type_slug}/create", "Secret"),
    # last: the dashboard's window ends at the current minute, rounded down (as with the
    # reference), so runs of the last seconds are not counted yet
    UiPage("dashboard", "/dashboard", "Active Work Pools"),
]

V1_PAGES = [
    UiPage("v1-dashboard", "/dashboard", "Flow Runs", ui="v1"),
    UiPage("v1-runs", "/runs", "{flow_name}", ui="v1"),
    UiPage("v1-flow-run", "/runs/flow-run/{flow_run_id}", "hello from the browser test", ui="v1"),
    UiPage("v1-flows", "/flows", "{flow_name}", ui="v1"),
    UiPage("v1-deployments", "/deployments", "{deployment_name}", ui="v1"),
    UiPage("v1-work-pools", "/work-pools", "{work_pool_name}", ui="v1"),
]

PAGES = V2_PAGES + V1_PAGES
