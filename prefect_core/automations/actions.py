"""Carrying out automation actions through the server's own use cases.

Each action finds its target (the `selected` id, or for `inferred` the first
resource of its kind on the triggering event), acts, and reports the related
resources it touched. A failure raises `ActionFailed` with the reason, which the
runner records as `prefect.automation.action.failed`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from prefect_core import timeutil
from prefect_core.automations.action_base import ActionFailed, TriggeredAction
from prefect_core.automations.notifications import send_notification
from prefect_core.automations.template_filters import UI_URL_KEY, Kinded, Labels
from prefect_core.automations.templates import TemplateProblem, TemplateRenderError, render_values
from prefect_core.automations.webhooks import call_webhook
from prefect_core.errors import DomainError
from prefect_core.schemas import automation_actions as a
from prefect_core.schemas.deployments import DeploymentFlowRunCreate
from prefect_core.schemas.events import Event, RelatedResource
from prefect_core.schemas.responses import SetStateStatus
from prefect_core.schemas.states import StateCreate, StateDetails, StateType
from prefect_core.schemas.work_pools import WorkPoolUpdate, WorkQueueUpdate

if TYPE_CHECKING:
    from prefect_core.services.container import Services


def reason_from_error(action_type: str, exc: DomainError) -> str:
    """Why an action failed when a use case refused it, in the words the reference uses for
    the API answer that use case stands for (422 and 409 name the detail; other statuses
    only the status)."""
    if exc.status in (409, 422):
        return f"Validation error occurred for {action_type!r}" + (f" - {exc.detail}" if exc.detail else "")
    return f"Unexpected status from {action_type!r} action: {exc.status}"


def _first_of_kind(event: Event | None, kind: str) -> UUID | None:
    if event is None:
        return None
    for resource in event.involved_resources:
        found = resource.object_id(kind)
        if found is not None:
            return found
    return None


def _target(ta: TriggeredAction, selected: UUID | None, source: str, kind: str, what: str) -> UUID:
    if source == "selected":
        assert selected is not None
        return selected
    if ta.triggering_event is None:
        raise ActionFailed(f"No event to infer the {what}")
    found = _first_of_kind(ta.triggering_event, kind)
    if found is None:
        raise ActionFailed(f"No {what} could be inferred")
    return found


def _targeted(ta: TriggeredAction, kind: str, object_id: UUID) -> None:
    """Record the object the action acted on as its event's `target` related resource."""
    ta.resulting.append(
        RelatedResource({"prefect.resource.id": f"{kind}.{object_id}", "prefect.resource.role": "target"})
    )


def _flow_run_id(ta: TriggeredAction) -> UUID:
    labelled = ta.firing.triggering_labels.get("prefect.resource.id", "")
    if labelled.startswith("prefect.flow-run."):
        try:
            return UUID(labelled.removeprefix("prefect.flow-run."))
        except ValueError:
            pass
    found = _first_of_kind(ta.triggering_event, "prefect.flow-run")
    if found is None:
        raise ActionFailed("No flow run could be inferred")
    return found


def _event_context(event: Event | None) -> dict[str, Any] | None:
    if event is None:
        return None
    data = Kinded("received-event", event.model_dump(mode="json"))
    data["resource"] = Labels(event.resource.root)
    data["related"] = [Labels(r.root) for r in event.related]
    return data


class ActionExecutor:
    """Runs actions against the application's use cases."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._handlers: dict[type[a.ActionBase], Callable[[TriggeredAction], Awaitable[None]]] = {
            a.DoNothing: self._do_nothing,
            a.RunDeployment: self._run_deployment,
            a.PauseDeployment: self._pause_deployment,
            a.ResumeDeployment: self._resume_deployment,
            a.ChangeFlowRunState: self._change_flow_run_state,
            a.CancelFlowRun: self._cancel_flow_run,
            a.SuspendFlowRun: self._suspend_flow_run,
            a.ResumeFlowRun: self._resume_flow_run,
            a.DeleteFlowRun: self._delete_flow_run,
            a.PauseWorkPool: self._pause_work_pool,
            a.ResumeWorkPool: self._resume_work_pool,
            a.PauseWorkQueue: self._pause_work_queue,
            a.ResumeWorkQueue: self._resume_work_queue,
            a.PauseAutomation: self._pause_automation,
            a.ResumeAutomation: self._resume_automation,
            a.CallWebhook: self._call_webhook,
            a.SendNotification: self._send_notification,
        }

    async def execute(self, ta: TriggeredAction) -> None:
        """Carry the action out; raises ActionFailed."""
        handler = self._handlers.get(type(ta.action))
        if handler is None:
            raise ActionFailed(f"The {ta.action.type} action is not supported by this server yet")
        try:
            await handler(ta)
        except ActionFailed:
            raise
        except DomainError as exc:
            ta.details.setdefault("status_code", exc.status)
            if exc.status == 409:
                ta.details.setdefault("validation_error", exc.detail)
            raise ActionFailed(reason_from_error(ta.action.type, exc)) from None
        except TemplateProblem as exc:
            raise ActionFailed(f"Invalid template: {exc.message}") from None
        except TemplateRenderError as exc:
            ta.details["template_error"] = str(exc)
            ta.details["template_source"] = exc.template
            raise ActionFailed(f"Template rendering failed: {exc.error!r}") from None

    async def template_context(self, ta: TriggeredAction) -> dict[str, Any]:
        """What templates see: the event, the automation, the firing's labels, and the
        flow run, flow, deployment, work pool and work queue the event names (when stored)."""
        context: dict[str, Any] = {
            UI_URL_KEY: self.services.settings.resolved_ui_url,
            "automation": Kinded("automation", ta.automation.model_dump(mode="json")),
            "event": _event_context(ta.triggering_event),
            "labels": ta.firing.triggering_labels,
            "firing": ta.firing.model_dump(mode="json"),
        }
        services = self.services
        # name in the context: (resource kind, reader)
        readers: dict[str, tuple[str, Callable[[UUID], Awaitable[Any]]]] = {
            "flow_run": ("prefect.flow-run", services.flow_runs.read),
            "flow": ("prefect.flow", services.flows.read),
            "deployment": ("prefect.deployment", services.deployments.read),
            "work_pool": ("prefect.work-pool", services.work_pools.read_pool_by_id),
            "work_queue": ("prefect.work-queue", services.work_pools.read_queue_by_id),
        }
        for name, (kind, read) in readers.items():
            object_id = _first_of_kind(ta.triggering_event, kind)
            if object_id is None:
                continue
            try:
                found = (await read(object_id)).model_dump(mode="json")
                context[name] = Kinded(kind.removeprefix("prefect."), found)
            except DomainError:
                continue
        return context

    async def _do_nothing(self, ta: TriggeredAction) -> None:
        return None

    async def _run_deployment(self, ta: TriggeredAction) -> None:
        action = ta.action
        assert isinstance(action, a.RunDeployment)
        deployment_id = _target(ta, action.deployment_id, action.source, "prefect.deployment", "deployment")
        _targeted(ta, "prefect.deployment", deployment_id)
        context = await self.template_context(ta)
        when = timeutil.now() + action.schedule_after
        body = DeploymentFlowRunCreate(
            state=StateCreate(type=StateType.SCHEDULED, state_details=StateDetails(scheduled_time=when)),
            parameters=await render_values(action.parameters or {}, context),
            job_variables=await render_values(action.job_variables, context) if action.job_variables else None,
            idempotency_key=ta.idempotency_key(),
        )
        run, _ = await self.services.deployment_runs.create_flow_run(deployment_id, body)
        ta.resulting.append(
            RelatedResource(
                {
                    "prefect.resource.id": f"prefect.flow-run.{run.id}",
                    "prefect.resource.role": "flow-run",
                    "prefect.resource.name": run.name,
                }
            )
        )

    async def _set_paused(self, ta: TriggeredAction, paused: bool) -> None:
        action = ta.action
        assert isinstance(action, a.DeploymentAction)
        deployment_id = _target(ta, action.deployment_id, action.source, "prefect.deployment", "deployment")
        _targeted(ta, "prefect.deployment", deployment_id)
        await self.services.deployments.set_paused(deployment_id, paused)

    async def _pause_deployment(self, ta: TriggeredAction) -> None:
        await self._set_paused(ta, True)

    async def _resume_deployment(self, ta: TriggeredAction) -> None:
        await self._set_paused(ta, False)

    async def _propose(self, ta: TriggeredAction, state: StateCreate, force: bool = False) -> None:
        run_id = _flow_run_id(ta)
        _targeted(ta, "prefect.flow-run", run_id)
        result = await self.services.orchestration.set_flow_run_state(run_id, state, force=force)
        if result.status is not SetStateStatus.ACCEPT:
            raise ActionFailed(f"Failed to set state: {getattr(result.details, 'reason', None)}")

    async def _change_flow_run_state(self, ta: TriggeredAction) -> None:
        action = ta.action
        assert isinstance(action, a.ChangeFlowRunState)
        message = action.message or f"State changed by Automation {ta.automation.id}"
        await self._propose(ta, StateCreate(type=action.state, name=action.name, message=message), action.force)

    async def _cancel_flow_run(self, ta: TriggeredAction) -> None:
        message = f"Cancelled by Automation {ta.automation.id}"
        await self._propose(ta, StateCreate(type=StateType.CANCELLING, message=message))

    async def _suspend_flow_run(self, ta: TriggeredAction) -> None:
        details = StateDetails(pause_timeout=timeutil.now() + dt.timedelta(hours=1), pause_reschedule=True)
        state = StateCreate(
            type=StateType.PAUSED,
            name="Suspended",
            message=f"Suspended by Automation {ta.automation.id}",
            state_details=details,
        )
        await self._propose(ta, state)

    async def _resume_flow_run(self, ta: TriggeredAction) -> None:
        run_id = _flow_run_id(ta)
        _targeted(ta, "prefect.flow-run", run_id)
        result = await self.services.flow_run_resume.resume(run_id, None)
        if result.status is not SetStateStatus.ACCEPT:
            raise ActionFailed(f"Failed to resume flow run: {getattr(result.details, 'reason', None)}")

    async def _delete_flow_run(self, ta: TriggeredAction) -> None:
        run_id = _flow_run_id(ta)
        _targeted(ta, "prefect.flow-run", run_id)
        await self.services.flow_runs.delete(run_id)

    async def _work_pool(self, ta: TriggeredAction, paused: bool) -> None:
        action = ta.action
        assert isinstance(action, a.WorkPoolAction)
        pool_id = _target(ta, action.work_pool_id, action.source, "prefect.work-pool", "work pool")
        pool = await self.services.work_pools.read_pool_by_id(pool_id)
        ta.resulting.append(
            RelatedResource(
                {
                    "prefect.resource.id": f"prefect.work-pool.{pool.id}",
                    "prefect.resource.name": pool.name,
                    "prefect.resource.role": "target",
                }
            )
        )
        await self.services.work_pools.update_pool(pool.name, WorkPoolUpdate(is_paused=paused))

    async def _pause_work_pool(self, ta: TriggeredAction) -> None:
        await self._work_pool(ta, True)

    async def _resume_work_pool(self, ta: TriggeredAction) -> None:
        await self._work_pool(ta, False)

    async def _work_queue(self, ta: TriggeredAction, paused: bool) -> None:
        action = ta.action
        assert isinstance(action, a.WorkQueueAction)
        queue_id = _target(ta, action.work_queue_id, action.source, "prefect.work-queue", "work queue")
        _targeted(ta, "prefect.work-queue", queue_id)
        await self.services.work_pools.update_queue_by_id(queue_id, WorkQueueUpdate(is_paused=paused))

    async def _pause_work_queue(self, ta: TriggeredAction) -> None:
        await self._work_queue(ta, True)

    async def _resume_work_queue(self, ta: TriggeredAction) -> None:
        await self._work_queue(ta, False)

    async def _automation(self, ta: TriggeredAction, enabled: bool) -> None:
        from prefect_core.schemas.automations import AutomationPartialUpdate

        action = ta.action
        assert isinstance(action, a.AutomationAction)
        automation_id = _target(ta, action.automation_id, action.source, "prefect.automation", "automation")
        _targeted(ta, "prefect.automation", automation_id)
        await self.services.automations.set_enabled(automation_id, AutomationPartialUpdate(enabled=enabled))

    async def _call_webhook(self, ta: TriggeredAction) -> None:
        await call_webhook(self.services, ta, await self.template_context(ta))

    async def _send_notification(self, ta: TriggeredAction) -> None:
        await send_notification(self.services, ta, await self.template_context(ta))

    async def _pause_automation(self, ta: TriggeredAction) -> None:
        await self._automation(ta, False)

    async def _resume_automation(self, ta: TriggeredAction) -> None:
        await self._automation(ta, True)
