"""localstripe on a free loopback port, and a small front that adds what localstripe lacks.

The real ``stripe`` SDK talks HTTP to localstripe (a fake Stripe server from PyPI). Three
things localstripe does not do are added by ``StripeFront``, a tiny HTTP server in the
test process that forwards everything else to localstripe unchanged:

- idempotency keys: localstripe ignores the ``Idempotency-Key`` header; the front
  answers a repeated key with the first answer, as Stripe does (and refuses the same
  key with different parameters);
- Connect transfers: localstripe has no ``/v1/transfers``; the front implements it;
- the current API dialect: localstripe (API 2017-2020) refuses parameters it does not
  know; the front renames ``allowed_payment_method_types`` (Stripe's name since API
  version 2026-09-30, which the SDK pins) to the older ``payment_method_types`` and
  drops ``return_url``.

The front records every request, so tests can check what our gateway sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx2 as httpx
import pytest
import stripe

from resale.trade.payments.stripe_gateway import StripeGateway
from tests.live import free_port

LOCALSTRIPE = Path(sys.executable).parent / "localstripe"
SECRET_KEY = "sk_test_resale_payments"
WEBHOOK_SECRET = "whsec_test_resale_payments"
WEBHOOK_PATH = "/api/v1/payments/stripe/webhook"
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"  # localstripe declines it when charged


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """localstripe in its own process on a free port; yields its base URL."""
    if not LOCALSTRIPE.exists():
        pytest.fail(f"localstripe is not installed next to {sys.executable}", pytrace=False)
    port = free_port()
    log_path = tmp_path_factory.getbasetemp() / "localstripe.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(LOCALSTRIPE), "--port", str(port), "--from-scratch"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            # The one unauthenticated page: answers once the server is up.
            if httpx.get(f"{base}/js.stripe.com/v3/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"localstripe did not start; see {log_path}", pytrace=False)
        time.sleep(0.1)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@dataclass
class Seen:
    method: str
    path: str
    form: dict[str, str]
    idempotency_key: str | None
    replayed: bool = False


class StripeFront:
    """Forwards to localstripe, adding idempotency, transfers and today's parameter names."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.requests: list[Seen] = []
        self.transfers: dict[str, dict[str, Any]] = {}
        self._answers: dict[str, tuple[str, bytes, int, bytes]] = {}
        self._lock = threading.Lock()
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                front._serve(self)

            def do_POST(self) -> None:
                front._serve(self)

            def do_DELETE(self) -> None:
                front._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def posts(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.method == "POST" and seen.path == path]

    # --- serving ---------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        method = handler.command
        path = handler.path.split("?", 1)[0]
        key = handler.headers.get("Idempotency-Key") if method == "POST" else None
        seen = Seen(method, path, dict(parse_qsl(body.decode())), key)
        with self._lock:
            self.requests.append(seen)
            earlier = self._answers.get(key) if key else None
        if earlier is not None:
            first_path, first_body, status, answer = earlier
            if (first_path, first_body) != (path, body):
                status, answer = (
                    400,
                    _error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters.",
                    ),
                )
            seen.replayed = True
        else:
            status, answer = self._answer(handler, method, path, body)
            # Stripe keeps the result of a request that ran, including a card decline.
            if key and (status < 300 or status == 402):
                with self._lock:
                    self._answers.setdefault(key, (path, body, status, answer))
                    status, answer = self._answers[key][2:]
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def _answer(
        self, handler: BaseHTTPRequestHandler, method: str, path: str, body: bytes
    ) -> tuple[int, bytes]:
        if method == "POST" and path == "/v1/transfers":
            return self._transfer(dict(parse_qsl(body.decode())))
        if method == "POST" and path == "/v1/payment_intents":
            body = _older_dialect(body)
        headers = {
            name: value
            for name, value in handler.headers.items()
            if name.lower() in ("authorization", "content-type", "stripe-version")
        }
        reply = httpx.request(
            method,
            self.upstream + handler.path,
            content=body if method == "POST" else None,
            headers=headers,
            timeout=30,
        )
        return reply.status_code, reply.content

    def _transfer(self, form: dict[str, str]) -> tuple[int, bytes]:
        destination = form.get("destination", "")
        if not destination.startswith("acct_") or destination.startswith("acct_refused"):
            return 400, _error("account_invalid", f"No such destination: '{destination}'")
        transfer = {
            "id": f"tr_{secrets.token_hex(8)}",
            "object": "transfer",
            "amount": int(form["amount"]),
            "amount_reversed": 0,
            "currency": form["currency"],
            "destination": destination,
            "source_transaction": form.get("source_transaction"),
            "metadata": {
                name[len("metadata[") : -1]: value
                for name, value in form.items()
                if name.startswith("metadata[")
            },
            "created": int(time.time()),
            "livemode": False,
            "reversed": False,
        }
        with self._lock:
            self.transfers[str(transfer["id"])] = transfer
        return 200, json.dumps(transfer).encode()


def _older_dialect(body: bytes) -> bytes:
    renamed = []
    for name, value in parse_qsl(body.decode(), keep_blank_values=True):
        if name == "return_url":
            continue
        if name.startswith("allowed_payment_method_types"):
            name = name.removeprefix("allowed_")
        renamed.append((name, value))
    return urlencode(renamed).encode()


def _error(code: str, message: str) -> bytes:
    return json.dumps(
        {"error": {"type": "invalid_request_error", "code": code, "message": message}}
    ).encode()


@pytest.fixture
def front(localstripe: str) -> Iterator[StripeFront]:
    """A fresh front (empty records) over the session's localstripe."""
    server = StripeFront(localstripe)
    yield server
    server.close()


@pytest.fixture
def stripe_gateway(front: StripeFront) -> StripeGateway:
    """Our gateway, with the real SDK, against localstripe (through the front)."""
    return StripeGateway(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, api_base=front.url)


@pytest.fixture(scope="session")
def stripe_client(localstripe: str) -> stripe.StripeClient:
    """The SDK straight to localstripe, for what a buyer's browser (Stripe.js) would do."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": localstripe})


def card(client: stripe.StripeClient, number: str) -> str:
    """A card PaymentMethod id, as Stripe.js would create it in the buyer's browser."""
    method = client.v1.payment_methods.create(
        {
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    return method.id


def pay_in_browser(client: stripe.StripeClient, intent_id: str, number: str) -> dict[str, Any]:
    """What Stripe.js does on the pay page: attach the card and confirm; returns the intent."""
    method = card(client, number)
    client.v1.payment_intents.update(intent_id, {"payment_method": method})
    with contextlib.suppress(stripe.CardError):  # a decline is on the intent, and in a webhook
        client.v1.payment_intents.confirm(intent_id)
    return client.v1.payment_intents.retrieve(intent_id).to_dict()


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header made the way Stripe makes it."""
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
    return f"t={stamp},v1={digest.hexdigest()}"


def event_payload(kind: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    """A Stripe event around ``obj``, serialised once: these exact bytes are what is signed."""
    event = {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "type": kind,
        "data": {"object": obj},
    }
    return json.dumps(event, indent=2).encode()
