"""The development gateway: a clearly labelled stand-in for Stripe, used when no key is set.

No money moves. It keeps its own books (the ``dev_payments`` table, written in its own
transactions, as an outside provider would) and has a pay page with a "succeed" and a
"fail" button; pressing one delivers an event through the same webhook handler Stripe's
events go through.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from resale.core.i18n import N_
from resale.trade.payments.gateway import (
    GatewayError,
    Payment,
    PaymentStatus,
    Refund,
    SignatureError,
    Transfer,
    WebhookEvent,
)

PAY_PAGE = "/payments/dev/{ref}"

# The gateway's own books live in their own SQLite file, not in the marketplace's
# database: like an outside provider, its writes must not wait on (or be rolled back
# with) the request's transaction.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS dev_payments (
    ref TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
)
"""


def _payment(row: sqlite3.Row) -> Payment:
    status = PaymentStatus(row["status"])
    return Payment(
        ref=row["ref"],
        status=status,
        amount_cents=row["amount_cents"],
        currency=row["currency"],
        next_action_url=PAY_PAGE.format(ref=row["ref"])
        if status is PaymentStatus.REQUIRES_ACTION
        else None,
        # Stored in English (an order's history, the API), worded when shown.
        failure_message=N_("Declined on the development gateway's pay page.")
        if status is PaymentStatus.FAILED
        else None,
    )


class DevGateway:
    """A local stand-in for Stripe. Its payments are in ``path`` (default var/dev-payments.db)."""

    name = "dev"

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            from resale.core.config import settings

            path = settings.data_dir / "dev-payments.db"
        self.path = path
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (BEGIN IMMEDIATE) on the gateway's own file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            if not self._ready:
                with self._lock:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute(_SCHEMA)
                    self._ready = True
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    @staticmethod
    def _get(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM dev_payments WHERE ref = ?", (ref,)
        ).fetchone()
        if row is None:
            raise GatewayError(f"no such development payment: {ref}")
        return row

    def create_payment(
        self,
        *,
        amount_cents: int,
        currency: str,
        idempotency_key: str,
        description: str,
        metadata: dict[str, str],
        payment_method: str | None = None,
        return_url: str | None = None,
    ) -> Payment:
        with self._db() as conn:
            conn.execute(
                "INSERT INTO dev_payments (ref, idempotency_key, amount_cents, currency, "
                "description, status) VALUES (?, ?, ?, ?, ?, 'requires_action') "
                "ON CONFLICT (idempotency_key) DO NOTHING",
                (
                    f"devpay_{secrets.token_hex(8)}",
                    idempotency_key,
                    amount_cents,
                    currency,
                    description[:200],
                ),
            )
            row = conn.execute(
                "SELECT * FROM dev_payments WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
            return _payment(row)

    def get_payment(self, *, ref: str) -> Payment:
        with self._db() as conn:
            return _payment(self._get(conn, ref))

    def _set_status(self, ref: str, *, when: tuple[str, ...], to: str) -> Payment:
        with self._db() as conn:
            row = self._get(conn, ref)
            if row["status"] in when:
                conn.execute("UPDATE dev_payments SET status = ? WHERE ref = ?", (to, ref))
                row = self._get(conn, ref)
            return _payment(row)

    def decide(self, *, ref: str, succeed: bool) -> Payment:
        """The pay page's buttons: the buyer's card goes through, or is declined."""
        return self._set_status(
            ref, when=("requires_action",), to="succeeded" if succeed else "failed"
        )

    def cancel_payment(self, *, ref: str, idempotency_key: str) -> Payment:
        return self._set_status(ref, when=("requires_action", "failed"), to="canceled")

    def refund(self, *, payment_ref: str, amount_cents: int, idempotency_key: str) -> Refund:
        # The refund's id comes from its key: asking again returns the same refund.
        ref = "devre_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
        with self._db() as conn:
            row = self._get(conn, payment_ref)
            if row["status"] != "succeeded":
                raise GatewayError("only a succeeded payment can be refunded")
            if row["refunded_cents"] + amount_cents > row["amount_cents"]:
                if row["refunded_cents"] < amount_cents:
                    raise GatewayError("refund larger than the payment")
            else:
                conn.execute(
                    "UPDATE dev_payments SET refunded_cents = refunded_cents + ? WHERE ref = ?",
                    (amount_cents, payment_ref),
                )
        return Refund(
            ref=ref, payment_ref=payment_ref, amount_cents=amount_cents, status="succeeded"
        )

    def transfer(
        self,
        *,
        destination: str,
        amount_cents: int,
        currency: str,
        idempotency_key: str,
        source_payment_ref: str | None,
        metadata: dict[str, str],
    ) -> Transfer:
        # No connected accounts without Stripe: sellers' shares stay payable balances.
        raise GatewayError("the development gateway cannot transfer to connected accounts")

    def parse_webhook(self, *, payload: bytes, signature: str | None) -> WebhookEvent:
        raise SignatureError("the development gateway takes no webhooks from outside")

    def event_for(self, payment: Payment) -> WebhookEvent:
        """The event the pay page's decision delivers through the webhook handler."""
        kind = (
            "payment_intent.succeeded"
            if payment.status is PaymentStatus.SUCCEEDED
            else "payment_intent.payment_failed"
        )
        return WebhookEvent(
            id=f"devevt_{payment.ref}_{kind}",
            type=kind,
            payment_ref=payment.ref,
            amount_cents=payment.amount_cents,
            failure_message=payment.failure_message,
        )
