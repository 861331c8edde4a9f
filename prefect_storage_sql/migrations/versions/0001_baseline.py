"""Baseline: the schema the SQL-file migrations 0001 to 0004 made.

Revision 0001 (the first), rendered by scripts/new_migration from
prefect_storage_sql.tables. A database those files made is stamped here unchanged
(prefect_storage_sql/migrations/legacy.py).
"""
# Rendered code keeps Alembic's one-call-per-line layout, long lines included.

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from prefect_storage_sql import types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("occurred", types.Timestamp(), nullable=False),
        sa.Column("received", types.Timestamp(), nullable=False),
        sa.Column("event", sa.String(length=1024), nullable=False),
        sa.Column("resource_id", sa.String(length=1024), nullable=False),
        sa.Column("resource", types.Json(), nullable=False),
        sa.Column("related", types.Json(), nullable=False),
        sa.Column("related_resource_ids", sa.Text(), nullable=False),
        sa.Column("payload", types.Json(), nullable=False),
        sa.Column("follows", types.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events__event_occurred"), ["event", "occurred"], unique=False)
        batch_op.create_index(batch_op.f("ix_events__occurred"), ["occurred"], unique=False)
        batch_op.create_index(batch_op.f("ix_events__resource_id_occurred"), ["resource_id", "occurred"], unique=False)

    op.create_table(
        "flow",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("tags", types.Json(), nullable=False),
        sa.Column("labels", types.Json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow")),
        sa.UniqueConstraint("name", name=op.f("uq_flow__name")),
    )
    op.create_table(
        "log",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("flow_run_id", types.Uuid(), nullable=True),
        sa.Column("task_run_id", types.Uuid(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("timestamp", types.Timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log")),
    )
    with op.batch_alter_table("log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log__flow_run_id_timestamp"), ["flow_run_id", "timestamp"], unique=False)
        batch_op.create_index(batch_op.f("ix_log__task_run_id_timestamp"), ["task_run_id", "timestamp"], unique=False)
        batch_op.create_index(batch_op.f("ix_log__timestamp"), ["timestamp"], unique=False)

    op.create_table(
        "task_run_state_cache",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("cache_key", sa.String(length=2000), nullable=False),
        sa.Column("cache_expiration", types.Timestamp(), nullable=True),
        sa.Column("task_run_state_id", types.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_run_state_cache")),
    )
    with op.batch_alter_table("task_run_state_cache", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_run_state_cache__cache_key_created"), ["cache_key", "created"], unique=False
        )

    op.create_table(
        "work_pool",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("base_job_template", types.Json(), nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("default_queue_id", types.Uuid(), nullable=True),
        sa.Column("storage_configuration", types.Json(), nullable=False),
        sa.Column("last_transitioned_status_at", types.Timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_pool")),
        sa.UniqueConstraint("name", name=op.f("uq_work_pool__name")),
    )
    op.create_table(
        "event_resources",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("event_id", types.Uuid(), nullable=False),
        sa.Column("occurred", types.Timestamp(), nullable=False),
        sa.Column("resource_id", sa.String(length=1024), nullable=False),
        sa.Column("resource_role", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_resources__event_id__events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_resources")),
    )
    with op.batch_alter_table("event_resources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_resources__event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_event_resources__resource_id_occurred"), ["resource_id", "occurred"], unique=False
        )

    op.create_table(
        "flow_run",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("flow_id", types.Uuid(), nullable=False),
        sa.Column("deployment_id", types.Uuid(), nullable=True),
        sa.Column("deployment_version", sa.String(length=255), nullable=True),
        sa.Column("work_queue_name", sa.String(length=255), nullable=True),
        sa.Column("work_queue_id", types.Uuid(), nullable=True),
        sa.Column("flow_version", sa.String(length=255), nullable=True),
        sa.Column("parameters", types.Json(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("context", types.Json(), nullable=False),
        sa.Column("empirical_policy", types.Json(), nullable=False),
        sa.Column("tags", types.Json(), nullable=False),
        sa.Column("labels", types.Json(), nullable=True),
        sa.Column("parent_task_run_id", types.Uuid(), nullable=True),
        sa.Column("auto_scheduled", sa.Boolean(), nullable=False),
        sa.Column("infrastructure_document_id", types.Uuid(), nullable=True),
        sa.Column("infrastructure_pid", sa.String(length=255), nullable=True),
        sa.Column("created_by", types.Json(), nullable=True),
        sa.Column("job_variables", types.Json(), nullable=True),
        sa.Column("state_id", types.Uuid(), nullable=True),
        sa.Column("state_type", sa.String(length=16), nullable=True),
        sa.Column("state_name", sa.String(length=64), nullable=True),
        sa.Column("state_timestamp", types.Timestamp(), nullable=True),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column("expected_start_time", types.Timestamp(), nullable=True),
        sa.Column("next_scheduled_start_time", types.Timestamp(), nullable=True),
        sa.Column("start_time", types.Timestamp(), nullable=True),
        sa.Column("end_time", types.Timestamp(), nullable=True),
        sa.Column("total_run_time", sa.Float(), nullable=False),
        sa.Column("claimed_until", types.Timestamp(), nullable=True),
        sa.ForeignKeyConstraint(["flow_id"], ["flow.id"], name=op.f("fk_flow_run__flow_id__flow"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_run")),
    )
    with op.batch_alter_table("flow_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flow_run__deployment_id"), ["deployment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_flow_run__expected_start_time"), ["expected_start_time"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_flow_run__flow_id_idempotency_key"), ["flow_id", "idempotency_key"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_flow_run__parent_task_run_id"), ["parent_task_run_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_flow_run__state_type_next_scheduled_start_time"),
            ["state_type", "next_scheduled_start_time"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_flow_run__work_queue_id_state_type_next_scheduled_start_time"),
            ["work_queue_id", "state_type", "next_scheduled_start_time"],
            unique=False,
        )

    op.create_table(
        "work_queue",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("work_pool_id", types.Uuid(), nullable=False),
        sa.Column("filter", types.Json(), nullable=True),
        sa.Column("last_polled", types.Timestamp(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_pool_id"], ["work_pool.id"], name=op.f("fk_work_queue__work_pool_id__work_pool"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_queue")),
    )
    with op.batch_alter_table("work_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_queue__work_pool_id_name"), ["work_pool_id", "name"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_work_queue__work_pool_id_priority"), ["work_pool_id", "priority"], unique=False
        )

    op.create_table(
        "worker",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("work_pool_id", types.Uuid(), nullable=False),
        sa.Column("last_heartbeat_time", types.Timestamp(), nullable=True),
        sa.Column("heartbeat_interval_seconds", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_pool_id"], ["work_pool.id"], name=op.f("fk_worker__work_pool_id__work_pool"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker")),
    )
    with op.batch_alter_table("worker", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_worker__work_pool_id_last_heartbeat_time"),
            ["work_pool_id", "last_heartbeat_time"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_worker__work_pool_id_name"), ["work_pool_id", "name"], unique=True)

    op.create_table(
        "deployment",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("flow_id", types.Uuid(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("concurrency_options", types.Json(), nullable=True),
        sa.Column("job_variables", types.Json(), nullable=False),
        sa.Column("parameters", types.Json(), nullable=False),
        sa.Column("tags", types.Json(), nullable=False),
        sa.Column("labels", types.Json(), nullable=True),
        sa.Column("work_queue_name", sa.String(length=255), nullable=True),
        sa.Column("work_queue_id", types.Uuid(), nullable=True),
        sa.Column("last_polled", types.Timestamp(), nullable=True),
        sa.Column("parameter_openapi_schema", types.Json(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("pull_steps", types.Json(), nullable=True),
        sa.Column("entrypoint", sa.Text(), nullable=True),
        sa.Column("storage_document_id", types.Uuid(), nullable=True),
        sa.Column("infrastructure_document_id", types.Uuid(), nullable=True),
        sa.Column("created_by", types.Json(), nullable=True),
        sa.Column("updated_by", types.Json(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("enforce_parameter_schema", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flow.id"], name=op.f("fk_deployment__flow_id__flow"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["work_queue_id"],
            ["work_queue.id"],
            name=op.f("fk_deployment__work_queue_id__work_queue"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment")),
    )
    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deployment__flow_id_name"), ["flow_id", "name"], unique=True)
        batch_op.create_index(batch_op.f("ix_deployment__updated"), ["updated"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployment__work_queue_id"), ["work_queue_id"], unique=False)

    op.create_table(
        "flow_run_input",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("flow_run_id", types.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["flow_run_id"], ["flow_run.id"], name=op.f("fk_flow_run_input__flow_run_id__flow_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_run_input")),
    )
    with op.batch_alter_table("flow_run_input", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flow_run_input__flow_run_id_key"), ["flow_run_id", "key"], unique=True)

    op.create_table(
        "flow_run_state",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("run_id", types.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("timestamp", types.Timestamp(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("state_details", types.Json(), nullable=False),
        sa.Column("data", types.Json(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["flow_run.id"], name=op.f("fk_flow_run_state__run_id__flow_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_run_state")),
    )
    with op.batch_alter_table("flow_run_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flow_run_state__run_id_timestamp"), ["run_id", "timestamp"], unique=False)

    op.create_table(
        "task_run",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("flow_run_id", types.Uuid(), nullable=True),
        sa.Column("task_key", sa.String(length=255), nullable=False),
        sa.Column("dynamic_key", sa.String(length=255), nullable=False),
        sa.Column("cache_key", sa.String(length=2000), nullable=True),
        sa.Column("cache_expiration", types.Timestamp(), nullable=True),
        sa.Column("task_version", sa.String(length=255), nullable=True),
        sa.Column("empirical_policy", types.Json(), nullable=False),
        sa.Column("tags", types.Json(), nullable=False),
        sa.Column("labels", types.Json(), nullable=True),
        sa.Column("task_inputs", types.Json(), nullable=False),
        sa.Column("flow_run_run_count", sa.Integer(), nullable=False),
        sa.Column("state_id", types.Uuid(), nullable=True),
        sa.Column("state_type", sa.String(length=16), nullable=True),
        sa.Column("state_name", sa.String(length=64), nullable=True),
        sa.Column("state_timestamp", types.Timestamp(), nullable=True),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column("expected_start_time", types.Timestamp(), nullable=True),
        sa.Column("next_scheduled_start_time", types.Timestamp(), nullable=True),
        sa.Column("start_time", types.Timestamp(), nullable=True),
        sa.Column("end_time", types.Timestamp(), nullable=True),
        sa.Column("total_run_time", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"], ["flow_run.id"], name=op.f("fk_task_run__flow_run_id__flow_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_run")),
    )
    with op.batch_alter_table("task_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_run__expected_start_time"), ["expected_start_time"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_task_run__flow_run_id_task_key_dynamic_key"),
            ["flow_run_id", "task_key", "dynamic_key"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_task_run__state_type_next_scheduled_start_time"),
            ["state_type", "next_scheduled_start_time"],
            unique=False,
        )

    op.create_table(
        "deployment_schedule",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("deployment_id", types.Uuid(), nullable=False),
        sa.Column("schedule", types.Json(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("max_scheduled_runs", sa.Integer(), nullable=True),
        sa.Column("parameters", types.Json(), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployment.id"],
            name=op.f("fk_deployment_schedule__deployment_id__deployment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_schedule")),
    )
    with op.batch_alter_table("deployment_schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deployment_schedule__deployment_id_slug"), ["deployment_id", "slug"], unique=True
        )

    op.create_table(
        "task_run_state",
        sa.Column("id", types.Uuid(), nullable=False),
        sa.Column("created", types.Timestamp(), nullable=False),
        sa.Column("updated", types.Timestamp(), nullable=False),
        sa.Column("run_id", types.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("timestamp", types.Timestamp(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("state_details", types.Json(), nullable=False),
        sa.Column("data", types.Json(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["task_run.id"], name=op.f("fk_task_run_state__run_id__task_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_run_state")),
    )
    with op.batch_alter_table("task_run_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_run_state__run_id_timestamp"), ["run_id", "timestamp"], unique=False)


# Forward only: there is no downgrade (restore a backup to go back).
