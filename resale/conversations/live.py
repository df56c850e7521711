"""Server-sent event streams: new messages and unread counts, pushed to open pages.

A stream holds no database connection and no admission slot while it waits
(resale.app.AdmissionLimit lets ``/live`` paths through): it waits for the person's wake-up
(resale.core.live, rung when a write that concerns them commits in this process) or for
``settings.live_poll_seconds``, then reads what is new in a short session of its own, a
few streams at a time, so a hundred open pages never take the pool from other requests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from fastapi import Request
from sqlmodel import Session

from resale.core import i18n, security
from resale.core.config import settings
from resale.core.db import get_engine, request_scope
from resale.core.live import hub
from resale.users import service as users_service
from resale.users.models import TokenKind, User

T = TypeVar("T")

# At most this many streams read the database at once; the others wait their turn.
_READERS = 4
_gate: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None


def _semaphore() -> asyncio.Semaphore:
    global _gate
    loop = asyncio.get_running_loop()
    if _gate is None or _gate[0] is not loop:
        _gate = (loop, asyncio.Semaphore(_READERS))
    return _gate[1]


def _in_session(work: Callable[[Session], T]) -> T:
    with Session(get_engine(), expire_on_commit=False) as session, request_scope(session, "GET"):
        return work(session)


async def read(work: Callable[[Session], T]) -> T:
    """Run ``work`` in a short read session on a worker thread, a few streams at a time."""
    async with _semaphore():
        return await asyncio.to_thread(_in_session, work)


def _user_of(request: Request) -> Callable[[Session], User | None]:
    bearer = request.headers.get("authorization", "")
    cookie = request.cookies.get(security.SESSION_COOKIE)

    def find(session: Session) -> User | None:
        if bearer.lower().startswith("bearer "):
            token, kind = bearer[7:].strip(), TokenKind.API
        elif cookie:
            token, kind = cookie, TokenKind.SESSION
        else:
            return None
        user = users_service.user_for_token(session=session, token=token, kind=kind)
        if user is not None:
            session.expunge(user)
        return user

    return find


async def viewer(request: Request) -> User | None:
    """Who opened the stream, found without holding a connection for the stream's life."""
    user = await read(_user_of(request))
    if user is not None and user.language:
        i18n.speak(user.language)
    return user


def event(name: str, data: Any, *, event_id: int | None = None) -> str:
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, default=str))
    return "\n".join(lines) + "\n\n"


async def stream(
    user_id: int,
    poll: Callable[[Session, int], tuple[list[str], int]],
    after_id: int,
    *,
    language: str,
) -> AsyncIterator[str]:
    """Events for one person: ``poll(session, after_id)`` gives the events of what came
    after ``after_id`` and the new high mark; it runs at the start, on every wake-up and at
    least every ``live_poll_seconds``. A comment line keeps idle connections open."""
    with hub.listening(user_id) as woken:
        yield "retry: 2000\n\n"
        mark = after_id
        while True:
            woken.clear()

            def step(session: Session, mark: int = mark) -> tuple[list[str], int]:
                with i18n.speaking(language):
                    return poll(session, mark)

            events, mark = await read(step)
            for line in events:
                yield line
            try:
                await asyncio.wait_for(woken.wait(), timeout=settings.live_poll_seconds)
            except TimeoutError:
                yield ": idle\n\n"


STREAM_HEADERS = {
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # a proxy in front must not hold the events back
}
