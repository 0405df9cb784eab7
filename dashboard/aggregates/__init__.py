"""Pre-aggregated tables that keep dashboards fast: rebuilt in bulk, maintained on every write.

- ``rebuild(conn)``: recompute every aggregate from the raw rows (the demo
  seed and migrations call it);
- ``maintained(session, *rows)``, ``snapshot`` / ``apply_changed``,
  ``apply_inserted``, ``apply_new_warnings`` (an ingest batch): keep them current inside the transaction of a write.

The tables are ``dashboard.domain.aggregates``; what each raw row adds to
them is described once in ``definitions``, from which the rebuild's SQL,
the upkeep, the ingest batch's sums and the demo's frames are derived; the metrics
layer (``dashboard.metrics``) reads only them for anything longer than the
last few hours.
"""

from dashboard.aggregates.maintain import (
    Snapshot,
    apply,
    apply_changed,
    apply_inserted,
    apply_new_warnings,
    apply_warning_changed,
    apply_warning_inserted,
    maintained,
    snapshot,
    snapshots,
)
from dashboard.aggregates.rebuild import rebuild, rebuild_sql

__all__ = [
    "Snapshot", "apply", "apply_changed", "apply_inserted", "apply_new_warnings",
    "apply_warning_changed",
    "apply_warning_inserted", "maintained", "snapshot", "snapshots", "rebuild", "rebuild_sql",
]
