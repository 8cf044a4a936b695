"""Initial tables: scenarios, runs, results.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, index=True),
        sa.Column("title", sa.Text()),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("content_yaml", sa.Text(), nullable=False),
        sa.Column("stores_csv", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("scenario_id", sa.String(64), sa.ForeignKey("scenarios.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("executor", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("owner_pid", sa.Integer()),
        sa.Column("owner_host", sa.String(256)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "results",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("lost_sales_units", sa.Float()),
        sa.Column("lost_sales_revenue", sa.Float()),
        sa.Column("stockout_store_days", sa.Float()),
        sa.Column("fill_rate", sa.Float()),
        sa.Column("backlog_clear_day", sa.Float()),
        sa.Column("service_restored_day", sa.Float()),
        sa.Column("daily_parquet", sa.LargeBinary(), nullable=False),
        sa.Column("regions_parquet", sa.LargeBinary()),
    )


def downgrade() -> None:
    op.drop_table("results")
    op.drop_table("runs")
    op.drop_table("scenarios")
