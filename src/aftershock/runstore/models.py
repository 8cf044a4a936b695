"""Tables of the run store: scenarios (content-addressed), runs and their results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


def utcnow() -> dt.datetime:
    """Timezone-aware now, in UTC."""
    return dt.datetime.now(dt.UTC)


class ScenarioRow(Base):
    """A validated scenario, identified by the hash of its canonical content."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # bundled | upload | file
    content_yaml: Mapped[str] = mapped_column(Text)
    stores_csv: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # 1, 2, … per name in upload order; never reused, so short addresses stay put
    version: Mapped[int | None] = mapped_column(Integer)

    runs: Mapped[list[RunRow]] = relationship(back_populates="scenario")

    __table_args__ = (Index("ix_scenarios_name_version", "name", "version", unique=True),)


class RunRow(Base):
    """One run: what was asked, where it ran, and how it went."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="simulate")
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(Integer)
    executor: Mapped[str] = mapped_column(String(256), default="in-process")
    # queued | running | done | failed | cancelled
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(32))
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    owner_host: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    scenario: Mapped[ScenarioRow] = relationship(back_populates="runs")
    result: Mapped[ResultRow | None] = relationship(back_populates="run", cascade="all, delete-orphan")


class ResultRow(Base):
    """Summary metrics in columns (for lists and comparisons) and the daily arrays as Parquet."""

    __tablename__ = "results"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    lost_sales_units: Mapped[float | None] = mapped_column(Float)
    lost_sales_revenue: Mapped[float | None] = mapped_column(Float)
    stockout_store_days: Mapped[float | None] = mapped_column(Float)
    fill_rate: Mapped[float | None] = mapped_column(Float)
    backlog_clear_day: Mapped[float | None] = mapped_column(Float)
    service_restored_day: Mapped[float | None] = mapped_column(Float)
    daily_parquet: Mapped[bytes] = mapped_column(LargeBinary)
    regions_parquet: Mapped[bytes | None] = mapped_column(LargeBinary)

    run: Mapped[RunRow] = relationship(back_populates="result")


#: Metric columns copied from the summary's means.
METRIC_COLUMNS = (
    "lost_sales_units",
    "lost_sales_revenue",
    "stockout_store_days",
    "fill_rate",
    "backlog_clear_day",
    "service_restored_day",
)
