"""create_app(): routers, static files, media, templates, lifespan, error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from listings import pages as listing_pages
from listings import routes as listing_routes
from resale import errors, web
from resale.config import settings
from resale.db import SessionDep
from resale.users import pages as user_pages
from resale.users import routes as user_routes

health = APIRouter(prefix="/api/v1", tags=["health"])


@health.get("/health")
def health_check(session: SessionDep) -> JSONResponse:
    """Liveness and database reachability, for load balancers and monitors."""
    try:
        session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": session.get_bind().dialect.name})


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="resale",
        summary="A second-hand marketplace with a carbon figure for every trade.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    errors.install_handlers(app)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/media", StaticFiles(directory=settings.media_dir), name="media")
    for router in (
        health,
        user_routes.router,
        listing_routes.router,
        user_pages.router,
        listing_pages.router,
    ):
        app.include_router(router)
    return app
