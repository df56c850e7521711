"""The orders area's periodic job, collected by the app (resale.app.jobs)."""

from __future__ import annotations

from sqlalchemy import Engine

from resale.core.config import settings
from resale.core.scheduler import Job
from resale.trade.orders import service
from resale.trade.payments.configured import get_gateway


def sweep(engine: Engine) -> service.SweepReport | None:
    """Release unpaid holds, complete orders past buyer protection, make due transfers."""
    report = service.sweep(engine=engine, gateway=get_gateway())
    if report.expired or report.completed or report.reconciled or report.errors:
        return report
    return None


def jobs() -> list[Job]:
    """This area's periodic jobs, with the intervals the settings give now."""
    return [
        Job(
            "orders.sweep",
            settings.sweep_interval_seconds,
            sweep,
            help="Release unpaid holds, complete orders past buyer protection, make due transfers.",
        )
    ]
