"""CSRF tokens are bound to what the browser is signed in with (its session, or before
sign-in its visitor id): a token from another session, or from before signing in or out,
is refused with the usual 403 page and changes nothing."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from resale.core import security
from tests.factories import PASSWORD, browser_login, csrf, make_user, page_csrf

REFUSED = "reload the page"


def _rename(client: TestClient, token: str, name: str) -> int:
    """Post the profile form with ``token``; the status code."""
    response = client.post(
        "/profile", data={"csrf_token": token, "display_name": name}, follow_redirects=False
    )
    if response.status_code == 403:
        assert REFUSED in response.text
    return response.status_code


def test_the_page_gives_the_same_token_to_its_forms_and_its_scripts(
    client: TestClient, session: Session
) -> None:
    browser_login(client, session, make_user(session))
    html = client.get("/profile").text
    forms = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
    assert forms == {page_csrf(html)}


def test_a_token_of_another_session_is_refused(app: FastAPI, session: Session) -> None:
    mine, theirs = make_user(session, display_name="Mine"), make_user(session)
    with TestClient(app) as me, TestClient(app) as other:
        browser_login(me, session, mine)
        browser_login(other, session, theirs)
        assert _rename(me, csrf(other, "/profile"), "Forged") == 403
        # Another session of the same person is another session too.
        browser_login(other, session, mine)
        assert _rename(me, csrf(other, "/profile"), "Forged") == 403
        session.refresh(mine)
        assert mine.display_name == "Mine"
        assert _rename(me, csrf(me, "/profile"), "Renamed") == 303
    session.refresh(mine)
    assert mine.display_name == "Renamed"


def test_the_cookie_alone_is_no_token(client: TestClient, session: Session) -> None:
    """The visitor cookie is an id tokens are made from, not a token to copy into a form."""
    csrf(client, "/login")
    visitor = client.cookies.get(security.CSRF_COOKIE)
    assert visitor
    make_user(session, email="noor@example.com")
    login = client.post(
        "/login",
        data={"csrf_token": visitor, "email": "noor@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    assert login.status_code == 403


def test_a_token_from_before_sign_in_is_refused_after_it(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, email="noor@example.com", display_name="Noor")
    before = csrf(client, "/login")
    login = client.post(
        "/login",
        data={"csrf_token": before, "email": "noor@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    assert login.status_code == 303
    assert _rename(client, before, "Forged") == 403
    signed_in = csrf(client, "/profile")
    assert signed_in != before
    assert _rename(client, signed_in, "Renamed") == 303
    session.refresh(user)
    assert user.display_name == "Renamed"

    # Signing out: the session's token no longer works, and the next pages get a new one.
    assert (
        client.post("/logout", data={"csrf_token": signed_in}, follow_redirects=False).status_code
        == 303
    )
    after = csrf(client, "/login")
    assert after not in (before, signed_in)
    again = client.post(
        "/login",
        data={"csrf_token": signed_in, "email": "noor@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    assert again.status_code == 403


def test_visitors_get_tokens_of_their_own(app: FastAPI) -> None:
    with TestClient(app) as one, TestClient(app) as two:
        assert csrf(one, "/login") != csrf(two, "/login")
        token = csrf(one, "/login")
        assert csrf(one, "/register") == token  # the same visitor, page after page
        refused = two.post(
            "/register",
            data={"csrf_token": token, "display_name": "X", "email": "x@example.com"},
            follow_redirects=False,
        )
        assert refused.status_code == 403


def test_the_token_is_the_sessions_not_a_cookie_the_browser_can_be_given(
    app: FastAPI, session: Session
) -> None:
    """A cookie planted by a neighbouring site (double submit's weakness) makes no token."""
    user = make_user(session, display_name="Mine")
    with TestClient(app) as me, TestClient(app) as same_session:
        browser_login(me, session, user)
        token = csrf(me, "/profile")
        same_session.cookies.set(security.SESSION_COOKIE, me.cookies[security.SESSION_COOKIE])
        assert csrf(same_session, "/profile") == token
        me.cookies.set(security.CSRF_COOKIE, "planted-value")
        assert _rename(me, "planted-value", "Forged") == 403
        assert _rename(me, token, "Renamed") == 303
