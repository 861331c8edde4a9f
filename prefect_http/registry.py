"""Every module that adds routes to the application, in the order they are added
(within a path, the first route that matches wins).

A module listed here holds a `routes` table (`aiohttp.web.RouteTableDef`). A new
resource adds its route module(s) and one line here; `create_app` imports them.
"""

from __future__ import annotations

ROUTE_MODULES: tuple[str, ...] = (
    "prefect_http.routes.admin",
    "prefect_http.routes.flows",
    "prefect_http.routes.flow_runs",
    "prefect_http.routes.task_runs",
    "prefect_http.routes.logs",
    "prefect_http.routes.events",
    "prefect_http.ws.events",
    "prefect_http.ws.logs",
    "prefect_http.routes.deployments",
    "prefect_http.routes.work_pools",
    "prefect_http.routes.work_queues",
    "prefect_http.routes.workers",
    "prefect_http.routes.collections",
    "prefect_http.routes.automations",
    "prefect_http.routes.templates",
    "prefect_http.ws.task_runs",
    "prefect_http.ws.workers",
    "prefect_http.routes.flows_bulk",
    "prefect_http.routes.flow_run_extras",
    "prefect_http.routes.flow_run_inputs",
    "prefect_http.routes.observed_states",
    "prefect_http.routes.flow_run_graph",
    "prefect_http.routes.csrf_token",
    "prefect_http.routes.ui_flows",
    "prefect_http.routes.ui_flow_runs",
    "prefect_http.routes.ui_task_runs",
    "prefect_http.routes.ui_schemas",
    "prefect_http.routes.task_workers",
    "prefect_http.routes.concurrency_limits_v2",
    "prefect_http.routes.concurrency_limits",
    "prefect_http.routes.block_types",
    "prefect_http.routes.block_schemas",
    "prefect_http.routes.block_documents",
    "prefect_http.routes.variables",
    "prefect_http.routes.artifacts",
    "prefect_http.routes.saved_searches",
)
