"""The carbon ledger on both databases: credited once per trade, reversed on refund, never edited.

The invariants of the issue, checked after every scenario: each account's stored balance
equals the sum of its entries, and the platform total equals the sum over completed trades.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from carbon import service as carbon
from carbon.models import CarbonAccount, CarbonEntry, EntryKind, LedgerIsAppendOnly, TradeRole
from resale.core.config import settings
from resale.core.db import write_session
from resale.trade.orders import service as orders
from resale.trade.orders.models import Order, OrderStatus
from resale.trade.payments.dev_gateway import DevGateway
from resale.users.models import User
from tests.factories import make_completed_order, make_paid_order, make_user


@pytest.fixture
def gateway(tmp_path: Path) -> DevGateway:
    return DevGateway(tmp_path / "dev-payments.db")


def _entries(session: Session, order: Order) -> list[CarbonEntry]:
    return carbon.entries_for_order(session=session, order_id=order.id or 0)


def _check_invariants(session: Session) -> None:
    """Every stored balance is the sum of its entries; all entries sum to the completed trades."""
    session.flush()
    assert carbon.audit_balances(session=session) == []
    for account in session.exec(select(CarbonAccount)).all():
        total = sum(
            e.grams
            for e in session.exec(select(CarbonEntry).where(CarbonEntry.user_id == account.user_id))
        )
        assert account.balance_grams == total
    completed = session.exec(select(Order).where(Order.status == OrderStatus.COMPLETED)).all()
    per_trade = 0
    for order in completed:
        assert order.id is not None
        figure = orders.trade_estimate(session=session, order=order)
        assert figure is not None
        per_trade += carbon.to_grams(figure.credited_kg)
    assert carbon.impact(session=session).total_grams == per_trade
    platform = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(CarbonEntry.grams), 0))
    ).scalar_one()  # type: ignore[call-overload]
    assert platform == per_trade


def test_a_completed_trade_credits_both_parties_their_shares(
    session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway, category="men-jeans", travel_mode="walk_bike")
    assert order.status is OrderStatus.COMPLETED
    buyer_entry, seller_entry = _entries(session, order)
    figure = orders.trade_estimate(session=session, order=order)
    assert figure is not None and figure.is_net_saving
    trade = carbon.to_grams(figure.central)
    assert (buyer_entry.role, buyer_entry.user_id) == (TradeRole.BUYER, order.buyer_id)
    assert (seller_entry.role, seller_entry.user_id) == (TradeRole.SELLER, order.seller_id)
    assert buyer_entry.grams + seller_entry.grams == trade
    assert abs(buyer_entry.grams - seller_entry.grams) <= 1  # 50/50 by default
    for entry in (buyer_entry, seller_entry):
        assert entry.kind is EntryKind.CREDIT
        assert entry.trade_grams == trade
        assert entry.methodology_version == figure.methodology_version
        # The snapshot is enough to re-derive the figure later.
        assert entry.estimate["factors"]["item"]["slug"] == "men-jeans"
        assert entry.estimate["central"] == figure.central
        assert entry.category == "men-jeans" and entry.fulfilment == "pickup"
    assert carbon.account_summary(session=session, user_id=order.buyer_id).balance_grams == (
        buyer_entry.grams
    )
    _check_invariants(session)


def test_the_pickup_counts_the_buyers_mode_and_real_distance(
    session: Session, gateway: DevGateway
) -> None:
    seller = make_user(session, lat=48.8590, lon=2.3620)
    buyer = make_user(session, lat=48.8770, lon=2.3620)  # 2 km north
    by_car = make_completed_order(
        session, gateway, seller=seller, buyer=buyer, category="sofas", travel_mode="car"
    )
    on_foot = make_completed_order(
        session, gateway, seller=seller, buyer=buyer, category="sofas", travel_mode="walk_bike"
    )
    assert by_car.distance_km == pytest.approx(2.0, abs=0.01)
    car_trade = _entries(session, by_car)[0].trade_grams
    foot_trade = _entries(session, on_foot)[0].trade_grams
    # Round trip 2 x 2 km at 0.142 kg/km: 0.568 kg less for the car.
    assert foot_trade - car_trade == pytest.approx(568, abs=2)
    _check_invariants(session)


def test_completion_retried_credits_once(session: Session, gateway: DevGateway) -> None:
    order = make_completed_order(session, gateway, category="phones")
    first = _entries(session, order)
    # The hand-over repeated, and the crediting itself called again: nothing new.
    orders.hand_over(
        session=session,
        order=order,
        seller=_seller(session, order),
        code=order.handover_code,
        gateway=gateway,
    )
    figure = orders.trade_estimate(session=session, order=order)
    assert figure is not None
    again = carbon.credit_trade(
        session=session,
        order_id=order.id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        estimate=figure,
    )
    assert [e.id for e in again] == [e.id for e in first]
    assert len(_entries(session, order)) == 2
    _check_invariants(session)


def _seller(session: Session, order: Order) -> User:
    seller = session.get(User, order.seller_id)
    assert seller is not None
    return seller


def test_the_unique_constraint_not_the_check_stops_a_second_credit(
    session: Session, gateway: DevGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two completions racing both pass the "already credited?" read; the database decides."""
    order = make_completed_order(session, gateway, category="laptops")
    before = carbon.account_summary(session=session, user_id=order.buyer_id).balance_grams
    figure = orders.trade_estimate(session=session, order=order)
    assert figure is not None
    real = carbon.entries_for_order
    blind = {"calls": 0}

    def nothing_the_first_time(**kw):  # type: ignore[no-untyped-def]
        blind["calls"] += 1
        return [] if blind["calls"] == 1 else real(**kw)

    monkeypatch.setattr(carbon, "entries_for_order", nothing_the_first_time)
    result = carbon.credit_trade(
        session=session,
        order_id=order.id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        estimate=figure,
    )
    monkeypatch.undo()
    assert len(result) == 2 and all(e.id is not None for e in result)
    assert len(_entries(session, order)) == 2
    assert carbon.account_summary(session=session, user_id=order.buyer_id).balance_grams == before
    _check_invariants(session)


def test_a_duplicate_entry_is_refused_by_the_database(
    session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway, category="books")
    entry = _entries(session, order)[0]
    copy = CarbonEntry(
        **{k: v for k, v in entry.model_dump().items() if k not in {"id", "reverses_id"}}
    )
    with pytest.raises(IntegrityError), session.begin_nested():  # noqa: PT012
        session.add(copy)
        session.flush()


def test_a_refund_after_completion_appends_reversals(session: Session, gateway: DevGateway) -> None:
    order = make_completed_order(session, gateway, category="washing-machines")
    credits = _entries(session, order)
    assert order.payment_ref is not None
    orders.payment_refunded(
        session=session, payment_ref=order.payment_ref, refund_ref="re_1", amount_cents=None
    )
    assert order.status is OrderStatus.REFUNDED
    entries = _entries(session, order)
    assert len(entries) == 4
    reversals = [e for e in entries if e.kind is EntryKind.REVERSAL]
    assert sorted(e.reverses_id for e in reversals) == sorted(e.id for e in credits)  # type: ignore[type-var]
    for credit in credits:
        [undo] = [r for r in reversals if r.reverses_id == credit.id]
        assert undo.grams == -credit.grams and undo.user_id == credit.user_id
        # The credit itself is untouched.
        session.refresh(credit)
        assert credit.grams > 0
    for user_id in (order.buyer_id, order.seller_id):
        summary = carbon.account_summary(session=session, user_id=user_id)
        assert (summary.balance_grams, summary.trades, summary.entries) == (0, 0, 2)
    # A repeated refund notice reverses nothing more.
    assert carbon.reverse_trade(session=session, order_id=order.id, note="again") == reversals
    assert len(_entries(session, order)) == 4
    assert carbon.impact(session=session).trades == 0
    _check_invariants(session)


def test_a_refund_before_completion_has_nothing_to_reverse(
    session: Session, gateway: DevGateway
) -> None:
    order = make_paid_order(session, gateway, category="phones")
    seller = _seller(session, order)
    orders.cancel(session=session, order=order, actor=seller, gateway=gateway)
    assert order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
    assert _entries(session, order) == []
    _check_invariants(session)


def test_a_net_cost_trade_is_recorded_but_credits_nothing(
    session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway, category="books", fulfilment="shipping")
    entries = _entries(session, order)
    figure = orders.trade_estimate(session=session, order=order)
    assert figure is not None and not figure.is_net_saving
    assert [e.grams for e in entries] == [0, 0]
    assert entries[0].central_kg == figure.central < 0
    assert entries[0].note and "net cost" in entries[0].note.lower()
    _check_invariants(session)


def test_the_share_is_configurable(
    session: Session, gateway: DevGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "carbon_buyer_share_bps", 7_000)
    order = make_completed_order(session, gateway, category="sofas")
    buyer_entry, seller_entry = _entries(session, order)
    assert (buyer_entry.share_bps, seller_entry.share_bps) == (7_000, 3_000)
    assert buyer_entry.grams + seller_entry.grams == buyer_entry.trade_grams
    assert buyer_entry.grams == buyer_entry.trade_grams * 7 // 10
    _check_invariants(session)


def test_many_trades_keep_every_balance_equal_to_its_entries(
    session: Session, gateway: DevGateway
) -> None:
    people = [make_user(session) for _ in range(4)]
    kinds = ["men-jeans", "phones", "sofas", "books", "city-bikes", "tables"]
    done = []
    for i, category in enumerate(kinds * 2):
        seller, buyer = people[i % 4], people[(i + 1 + i // 4) % 4]
        if seller.id == buyer.id:
            buyer = people[(i + 2) % 4]
        done.append(
            make_completed_order(
                session,
                gateway,
                seller=seller,
                buyer=buyer,
                category=category,
                fulfilment="shipping" if i % 3 == 0 else "pickup",
                travel_mode=["walk_bike", "car", "public_transport"][i % 3],
            )
        )
    assert done[0].payment_ref is not None
    orders.payment_refunded(
        session=session, payment_ref=done[0].payment_ref, refund_ref="re_x", amount_cents=None
    )
    _check_invariants(session)
    assert carbon.impact(session=session).trades == len(done) - 1


@given(
    grams=st.integers(min_value=0, max_value=10**9),
    share=st.integers(min_value=0, max_value=10_000),
)
def test_a_split_always_adds_up(grams: int, share: int) -> None:
    buyer, seller = carbon.split_grams(grams, share)
    assert buyer + seller == grams
    assert buyer >= 0 and seller >= 0


# --- What the database itself refuses ------------------------------------------------


def test_the_database_refuses_to_edit_or_delete_an_entry(
    session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway, category="phones")
    entry_id = _entries(session, order)[0].id
    for statement in (
        sa.text("UPDATE carbon_entries SET grams = grams + 1000 WHERE id = :id"),
        sa.text("DELETE FROM carbon_entries WHERE id = :id"),
    ):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(statement, {"id": entry_id})
    # Through the ORM too, before it reaches the database.
    entry = _entries(session, order)[0]
    entry.grams += 1
    with pytest.raises(LedgerIsAppendOnly), session.begin_nested():
        session.flush()
    session.expire_all()


# --- Racing completions on real connections -------------------------------------------


@pytest.fixture
def committed(committed_engine: Engine, tmp_path: Path) -> tuple[Engine, DevGateway]:
    return committed_engine, DevGateway(tmp_path / "pay.db")


def test_racing_credits_on_separate_connections_count_once(
    committed: tuple[Engine, DevGateway],
) -> None:
    engine, gateway = committed
    with write_session(engine) as session:
        order = make_paid_order(session, gateway, category="road-bikes")
        session.commit()
        order_id = order.id
    assert order_id is not None
    with write_session(engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        figure = orders.trade_estimate(session=session, order=order)
        buyer_id, seller_id = order.buyer_id, order.seller_id
    assert figure is not None
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def credit() -> None:
        try:
            with write_session(engine) as s:
                barrier.wait()
                carbon.credit_trade(
                    session=s,
                    order_id=order_id,
                    buyer_id=buyer_id,
                    seller_id=seller_id,
                    estimate=figure,
                )
                s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=credit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with Session(engine) as session:
        entries = carbon.entries_for_order(session=session, order_id=order_id)
        assert len(entries) == 2
        assert carbon.audit_balances(session=session) == []
        assert carbon.account_summary(session=session, user_id=buyer_id).balance_grams == (
            entries[0].grams
        )
