"""Indexes for the heavy reads at 100,000 runs (issue #13): each reads an index, not the table.

- `flow_run` `(expected_start_time DESC, id, ...)`, `task_run` `(expected_start_time, id)`
  in place of `(expected_start_time)`: the sorts' tiebreaker in the index, so a page's ids
  (at any offset) come from the index alone (`RunRepository._deferred_page`), on flow_run in
  exactly the default sort's order (EXPECTED_START_TIME_DESC, then the id ascending); time
  ranges use it as before. On `flow_run` the columns the run history and the UI dashboard
  read follow, so those read only the index.
- `events` `(occurred, id, event)` in place of `(occurred)`: the feed's order (occurred,
  then id) read straight off the index, no sort of the window's events; counts by name
  over a window read only the index.

Revision 0008 (after '0007'), written by hand in the form scripts/new_migration renders.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flow_run", schema=None) as batch_op:
        batch_op.drop_index("ix_flow_run__expected_start_time")
    op.create_index(
        "ix_flow_run__expected_start_time_desc_id_covering",
        "flow_run",
        [
            sa.text("expected_start_time DESC"),
            "id",
            "state_type",
            "state_name",
            "start_time",
            "total_run_time",
            "state_timestamp",
        ],
        unique=False,
    )
    with op.batch_alter_table("task_run", schema=None) as batch_op:
        batch_op.drop_index("ix_task_run__expected_start_time")
        batch_op.create_index("ix_task_run__expected_start_time_id", ["expected_start_time", "id"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events__occurred")
        batch_op.create_index("ix_events__occurred_id_event", ["occurred", "id", "event"], unique=False)


# Forward only: there is no downgrade (restore a backup to go back).
