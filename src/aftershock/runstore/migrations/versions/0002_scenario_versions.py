"""Scenario versions: uploads of one name are numbered 1, 2, … in upload order.

The number goes into the scenario's short address (``/scenarios/NAME/v2``), so it is stored
(a deletion must not renumber the others) and unique per name.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scenarios") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
    bind = op.get_bind()
    scenarios = sa.table(
        "scenarios",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("version", sa.Integer),
    )
    rows = bind.execute(
        sa.select(scenarios.c.id, scenarios.c.name).order_by(
            scenarios.c.name, scenarios.c.created_at, scenarios.c.id
        )
    ).all()
    counts: dict[str, int] = {}
    for ident, name in rows:
        counts[name] = counts.get(name, 0) + 1
        bind.execute(sa.update(scenarios).where(scenarios.c.id == ident).values(version=counts[name]))
    op.create_index("ix_scenarios_name_version", "scenarios", ["name", "version"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_scenarios_name_version", "scenarios")
    with op.batch_alter_table("scenarios") as batch:
        batch.drop_column("version")
