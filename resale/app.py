"""create_app(): routers, static files, media, templates, lifespan, error handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from carbon import pages as carbon_pages
from carbon import routes as carbon_routes
from listings import jobs as listing_jobs
from listings import pages as listing_pages
from listings import routes as listing_routes
from listings import service as listings_service
from matching import jobs as matching_jobs
from matching import pages as matching_pages
from matching import routes as matching_routes
from matching import serving as matching_serving
from resale import docs, openapi
from resale.conversations import jobs as conversation_jobs
from resale.conversations import pages as conversation_pages
from resale.conversations import routes as conversation_routes
from resale.core import handlers, i18n, inputs, limits, security, web
from resale.core.config import settings
from resale.core.db import POOL_OVERFLOW, POOL_SIZE, SessionDep, get_engine
from resale.core.headers import SecurityHeaders
from resale.core.notifications import jobs as notification_jobs
from resale.core.scheduler import Job, Scheduler
from resale.moderation import pages as moderation_pages
from resale.moderation import routes as moderation_routes
from resale.trade.orders import jobs as order_jobs
from resale.trade.orders import pages as order_pages
from resale.trade.orders import payment_pages, webhooks
from resale.trade.orders import routes as order_routes
from resale.trade.payments.configured import get_gateway
from resale.trust import jobs as trust_jobs
from resale.trust import pages as trust_pages
from resale.trust import routes as trust_routes
from resale.users import jobs as user_jobs
from resale.users import pages as user_pages
from resale.users import routes as user_routes
from resale.users import service as user_service

health = APIRouter(prefix="/api/v1", tags=["health"])


@health.get("/health")
def health_check(session: SessionDep) -> JSONResponse:
    """Liveness and database reachability, for load balancers and monitors."""
    try:
        session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": session.get_bind().dialect.name})


log = logging.getLogger(__name__)


def jobs() -> list[Job]:
    """Every area's periodic jobs, for the app's scheduler and `resale jobs`."""
    return [
        *order_jobs.jobs(),
        *matching_jobs.jobs(),
        *listing_jobs.jobs(),
        *conversation_jobs.jobs(),
        *trust_jobs.jobs(),
        *user_jobs.jobs(),
        *notification_jobs.jobs(recipients=user_service.email_recipients),
    ]


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    if get_gateway().name == "dev":
        log.warning("payments: no Stripe key set, using the DEVELOPMENT gateway (no real money)")
    scheduler = Scheduler(jobs(), engine=get_engine)
    await scheduler.start()
    # The recommendation model: loaded once, then swapped when `resale train` writes a new one.
    async with matching_serving.lifespan_hooks():
        try:
            yield
        finally:
            await scheduler.stop()
            if settings.view_flush_seconds:  # what was noted since the last batch
                await asyncio.to_thread(listings_service.write_noted_views, engine=get_engine())


class AdmissionLimit:
    """At most ``limit`` requests inside the app at once; the others wait in the event loop.

    A request keeps its database connection from its first dependency to its end, but gives
    its worker thread back between dependencies and the endpoint. With more requests inside
    than connections, threads can all wait for connections held by requests that wait for a
    thread: a standstill until the pool times out. Admitting no more requests than there are
    connections makes it impossible. Static files, photos and event streams (which take a
    connection only for moments, resale.conversations.live) pass straight through. A request
    waiting for something that needs no connection (a turn of the password lane) gives its
    slot back meanwhile (``scope[security.ADMISSION_SLOT]``), waiting in the event loop.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._gate: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"].startswith(("/static/", "/media/"))
            or scope["path"].endswith("/live")  # event streams: no connection while they wait
        ):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate[0] is not loop:
            self._gate = (loop, asyncio.Semaphore(self.limit))
        slot = _Slot(self._gate[1])
        await slot.take()
        scope[security.ADMISSION_SLOT] = slot
        try:
            await self.app(scope, receive, send)
        finally:
            slot.leave()


class _Slot:
    """One request's admission slot; given back while it waits for something that needs
    no connection (a turn of the password lane, resale.core.security.password_turn)."""

    def __init__(self, gate: asyncio.Semaphore) -> None:
        self.gate = gate
        self.held = False

    async def take(self) -> None:
        await self.gate.acquire()
        self.held = True

    def leave(self) -> None:
        if self.held:
            self.held = False
            self.gate.release()

    @asynccontextmanager
    async def given_back(self) -> AsyncIterator[None]:
        self.leave()
        try:
            yield
        finally:
            await self.take()  # cancelled here, it holds none and leave() gives none back


# Two connections stay free for the app's own background work (the sweep, notifications).
ADMITTED_REQUESTS = POOL_SIZE + POOL_OVERFLOW - 2


def create_app() -> FastAPI:
    app = FastAPI(
        title="resale",
        summary="A second-hand marketplace with a carbon figure for every trade.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # our own /docs and /redoc (resale.docs), without a CDN
        redoc_url=None,
        # Before any endpoint: text that cannot be stored is refused (422) wherever it is.
        dependencies=[Depends(inputs.check_request_text)],
    )
    # Refuse to start on a gateway production must not take payments with.
    get_gateway()
    handlers.install_handlers(app)
    app.add_middleware(AdmissionLimit, limit=ADMITTED_REQUESTS)
    # A body too large for its route is refused before it takes an admission slot.
    app.add_middleware(limits.BodyLimit)
    # Each request's language, for every answer: pages, API errors, early refusals.
    app.add_middleware(i18n.LocaleMiddleware)
    # Outermost: every response gets the security headers, early refusals (413) too.
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/media", StaticFiles(directory=settings.media_dir), name="media")
    matching_pages.register()
    conversation_pages.register()
    moderation_pages.register()
    trust_pages.register()
    for router in (
        health,
        docs.router,
        user_routes.router,
        listing_routes.router,
        order_routes.router,
        carbon_routes.router,
        matching_routes.router,
        conversation_routes.router,
        trust_routes.router,
        moderation_routes.router,
        webhooks.router,
        user_pages.router,
        listing_pages.router,
        order_pages.router,
        payment_pages.router,
        carbon_pages.router,
        matching_pages.router,
        conversation_pages.live_router,
        conversation_pages.router,
        trust_pages.router,
        moderation_pages.router,
    ):
        app.include_router(router)
    openapi.install(app)
    return app
