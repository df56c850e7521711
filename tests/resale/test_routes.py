"""Rules every route keeps, checked over the whole app rather than route by route."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from resale.app import create_app
from resale.core.db import get_session


def api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every endpoint, through included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's record of an included router
            yield from api_routes(route.original_router.routes)


def _uses(dependant: Dependant, call: object) -> bool:
    return dependant.call is call or any(_uses(d, call) for d in dependant.dependencies)


def test_no_route_with_a_database_session_runs_in_the_event_loop() -> None:
    """An ``async def`` endpoint runs in the event loop: its database work (or argon2, or
    a wait for SQLite's write lock) would stall every other request. Such endpoints are
    plain ``def``; a form is read by the ``web.FormDep`` dependency."""
    in_the_loop = [
        f"{sorted(route.methods)} {route.path}"
        for route in api_routes(create_app().routes)
        if inspect.iscoroutinefunction(route.endpoint) and _uses(route.dependant, get_session)
    ]
    assert in_the_loop == []


def test_every_route_that_hashes_a_password_waits_for_the_lane() -> None:
    """Registering and logging in, in the API and the pages, run argon2: each takes a turn
    of the password lane first (resale.core.security.password_turn)."""
    from resale.core.security import password_turn

    hashing = {
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/token"),
        ("POST", "/register"),
        ("POST", "/login"),
    }
    routes = {
        (method, route.path): route
        for route in api_routes(create_app().routes)
        for method in route.methods
    }
    assert hashing <= routes.keys()
    assert [key for key in sorted(hashing) if not _uses(routes[key].dependant, password_turn)] == []
