"""${message}

Revision ${up_revision} (after ${repr(down_revision)}), rendered ${str(create_date)[:10]} by
scripts/new_migration; reviewed by hand (docs/storage-plugins.md, "Adding a table or column").
"""
# Rendered code keeps Alembic's one-call-per-line layout, long lines included.
# ruff: noqa: E501

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
% if imports:

${imports}
% endif

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


# Forward only: there is no downgrade (restore a backup to go back).
