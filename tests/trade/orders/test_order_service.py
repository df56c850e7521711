"""The order state machine on both databases: who may do what, from which state, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from carbon.estimate import Fulfilment
from listings.models import Listing, ListingStatus
from resale.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from resale.trade.orders import service
from resale.trade.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from resale.trade.payments.dev_gateway import DevGateway
from resale.trade.payments.gateway import PaymentStatus
from resale.trade.payments.models import Payout, PayoutMethod, PayoutStatus
from resale.trade.payments.service import seller_balances
from tests.factories import delivery_address, make_listing, make_user


@pytest.fixture
def gateway(tmp_path: Path) -> DevGateway:
    return DevGateway(tmp_path / "dev-payments.db")


def _kinds(session: Session, order: Order) -> list[OrderEventKind]:
    return [e.kind for e in service.events_of(session=session, order=order)]


def _listing_status(session: Session, listing: Listing) -> ListingStatus:
    session.refresh(listing)
    return listing.status


def _bought(
    session: Session, gateway: DevGateway, *, fulfilment: Fulfilment = Fulfilment.PICKUP, **fields
):  # type: ignore[no-untyped-def]
    seller = make_user(session)
    buyer = make_user(session)
    listing = make_listing(session, seller, shipping_cents=450, **fields)
    order, created = service.place_order(
        session=session,
        buyer=buyer,
        listing_id=listing.id,
        fulfilment=fulfilment,
        gateway_name=gateway.name,
        delivery_address=delivery_address() if fulfilment is Fulfilment.SHIPPING else None,
    )
    assert created
    return seller, buyer, listing, order


def _paid(session: Session, gateway: DevGateway, **kw):  # type: ignore[no-untyped-def]
    seller, buyer, listing, order = _bought(session, gateway, **kw)
    order, payment = service.start_payment(
        session=session, order=order, buyer=buyer, gateway=gateway
    )
    assert payment.status is PaymentStatus.REQUIRES_ACTION
    decided = gateway.decide(ref=payment.ref, succeed=True)
    service.payment_succeeded(
        session=session, gateway=gateway, payment_ref=decided.ref, amount_cents=decided.amount_cents
    )
    assert order.status is OrderStatus.PAID
    return seller, buyer, listing, order


def test_placing_an_order_reserves_the_listing_at_the_database_price(
    session: Session, gateway: DevGateway
) -> None:
    seller, buyer, listing, order = _bought(
        session, gateway, fulfilment=Fulfilment.SHIPPING, price_cents=2500
    )
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert (order.item_cents, order.shipping_cents, order.total_cents) == (2500, 450, 2950)
    assert order.buyer_id == buyer.id and order.seller_id == seller.id
    assert len(order.handover_code) == 6 and order.handover_code.isdigit()
    assert order.expires_at > order.created_at
    assert _listing_status(session, listing) is ListingStatus.RESERVED
    assert _kinds(session, order) == [OrderEventKind.CREATED]


def test_placing_the_same_order_twice_returns_the_open_one(
    session: Session, gateway: DevGateway
) -> None:
    _, buyer, listing, order = _bought(session, gateway)
    again, created = service.place_order(
        session=session,
        buyer=buyer,
        listing_id=listing.id,
        fulfilment=Fulfilment.PICKUP,
        gateway_name=gateway.name,
    )
    assert (again.id, created) == (order.id, False)
    assert len(session.exec(select(Order).where(Order.listing_id == listing.id)).all()) == 1


def test_nobody_else_can_buy_a_reserved_listing(session: Session, gateway: DevGateway) -> None:
    _, _, listing, _ = _bought(session, gateway)
    other = make_user(session)
    with pytest.raises(Conflict) as caught:
        service.place_order(
            session=session,
            buyer=other,
            listing_id=listing.id,
            fulfilment=Fulfilment.PICKUP,
            gateway_name=gateway.name,
        )
    assert caught.value.status_code == 409 and caught.value.field == "listing_id"


def test_a_seller_cannot_buy_their_own_listing(session: Session, gateway: DevGateway) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller)
    with pytest.raises(InvalidInput) as caught:
        service.place_order(
            session=session,
            buyer=seller,
            listing_id=listing.id,
            fulfilment=Fulfilment.PICKUP,
            gateway_name=gateway.name,
        )
    assert caught.value.field == "listing_id"
    assert _listing_status(session, listing) is ListingStatus.ACTIVE


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (ListingStatus.DRAFT, NotFound),
        (ListingStatus.SOLD, Conflict),
        (ListingStatus.WITHDRAWN, Conflict),
    ],
)
def test_only_active_listings_can_be_bought(
    session: Session, gateway: DevGateway, status: ListingStatus, error: type[Exception]
) -> None:
    listing = make_listing(session, make_user(session), status=status)
    with pytest.raises(error):
        service.place_order(
            session=session,
            buyer=make_user(session),
            listing_id=listing.id,
            fulfilment=Fulfilment.PICKUP,
            gateway_name=gateway.name,
        )


def test_shipping_needs_a_shipping_price(session: Session, gateway: DevGateway) -> None:
    listing = make_listing(session, make_user(session), shipping_cents=None)
    with pytest.raises(InvalidInput) as caught:
        service.place_order(
            session=session,
            buyer=make_user(session),
            listing_id=listing.id,
            fulfilment=Fulfilment.SHIPPING,
            gateway_name=gateway.name,
            delivery_address=delivery_address(),
        )
    assert caught.value.field == "fulfilment"
    assert _listing_status(session, listing) is ListingStatus.ACTIVE


def test_payment_is_recorded_once_however_often_the_provider_says_so(
    session: Session, gateway: DevGateway
) -> None:
    _, _, _, order = _paid(session, gateway)
    assert order.paid_at is not None
    before = _kinds(session, order)
    for _ in range(3):
        service.payment_succeeded(
            session=session,
            gateway=gateway,
            payment_ref=order.payment_ref,
            amount_cents=order.total_cents,
        )
    assert _kinds(session, order) == before
    assert before.count(OrderEventKind.PAID) == 1


def test_starting_payment_twice_gives_the_same_payment(
    session: Session, gateway: DevGateway
) -> None:
    _, buyer, _, order = _bought(session, gateway)
    _, first = service.start_payment(session=session, order=order, buyer=buyer, gateway=gateway)
    _, second = service.start_payment(session=session, order=order, buyer=buyer, gateway=gateway)
    assert first.ref == second.ref
    assert _kinds(session, order).count(OrderEventKind.PAYMENT_STARTED) == 1


def test_a_declined_card_leaves_the_order_open_for_another_try(
    session: Session, gateway: DevGateway
) -> None:
    _, buyer, listing, order = _bought(session, gateway)
    _, payment = service.start_payment(session=session, order=order, buyer=buyer, gateway=gateway)
    gateway.decide(ref=payment.ref, succeed=False)
    service.payment_failed(session=session, payment_ref=payment.ref, message="Card declined")
    assert order.status is OrderStatus.PENDING_PAYMENT and order.payment_ref is None
    assert _listing_status(session, listing) is ListingStatus.RESERVED
    _, retry = service.start_payment(session=session, order=order, buyer=buyer, gateway=gateway)
    assert retry.ref != payment.ref and retry.status is PaymentStatus.REQUIRES_ACTION


def test_only_the_buyer_pays(session: Session, gateway: DevGateway) -> None:
    seller, _, _, order = _bought(session, gateway)
    with pytest.raises(PermissionDenied):
        service.start_payment(session=session, order=order, buyer=seller, gateway=gateway)


def test_the_hand_over_code_completes_a_pickup_and_pays_the_seller(
    session: Session, gateway: DevGateway
) -> None:
    seller, _, listing, order = _paid(session, gateway, price_cents=4000)
    with pytest.raises(InvalidInput) as caught:
        service.hand_over(
            session=session,
            order=order,
            seller=seller,
            code="000000" if order.handover_code != "000000" else "111111",
            gateway=gateway,
        )
    assert caught.value.field == "code"
    service.hand_over(
        session=session, order=order, seller=seller, code=order.handover_code, gateway=gateway
    )
    assert order.status is OrderStatus.COMPLETED and order.closed_at is not None
    assert _listing_status(session, listing) is ListingStatus.SOLD
    payout = session.exec(select(Payout).where(Payout.order_id == order.id)).one()
    assert (payout.amount_cents, payout.method, payout.status) == (
        4000,
        PayoutMethod.BALANCE,
        PayoutStatus.PAYABLE,
    )
    [balance] = seller_balances(session=session, seller=seller)
    assert balance.payable_cents == 4000
    # Entering the code again changes nothing.
    service.hand_over(
        session=session, order=order, seller=seller, code=order.handover_code, gateway=gateway
    )
    assert _kinds(session, order).count(OrderEventKind.COMPLETED) == 1
    assert len(session.exec(select(Payout).where(Payout.order_id == order.id)).all()) == 1


def test_the_platform_fee_comes_out_of_the_sellers_share(
    session: Session, gateway: DevGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resale.core.config import settings

    monkeypatch.setattr(settings, "platform_fee_bps", 500)  # 5 %
    seller, _, _, order = _paid(session, gateway, price_cents=2000)
    assert order.fee_cents == 100
    service.hand_over(
        session=session, order=order, seller=seller, code=order.handover_code, gateway=gateway
    )
    payout = session.exec(select(Payout).where(Payout.order_id == order.id)).one()
    assert payout.amount_cents == 1900


def test_shipping_then_confirmation_completes(session: Session, gateway: DevGateway) -> None:
    seller, buyer, listing, order = _paid(session, gateway, fulfilment=Fulfilment.SHIPPING)
    with pytest.raises(InvalidInput) as caught:
        service.ship(session=session, order=order, seller=seller, tracking="   ")
    assert caught.value.field == "tracking"
    with pytest.raises(PermissionDenied):
        service.ship(session=session, order=order, seller=buyer, tracking="DHL 123")
    service.ship(session=session, order=order, seller=seller, tracking="Colissimo 6A123")
    service.ship(session=session, order=order, seller=seller, tracking="Colissimo 6A123")
    assert order.status is OrderStatus.SHIPPED and order.protection_ends_at is not None
    assert _kinds(session, order).count(OrderEventKind.SHIPPED) == 1
    with pytest.raises(PermissionDenied):
        service.confirm(session=session, order=order, buyer=seller)
    service.confirm(session=session, order=order, buyer=buyer)
    service.confirm(session=session, order=order, buyer=buyer)
    assert order.status is OrderStatus.COMPLETED
    assert _kinds(session, order).count(OrderEventKind.CONFIRMED) == 1
    assert _listing_status(session, listing) is ListingStatus.SOLD


def test_a_pickup_cannot_be_shipped_nor_a_parcel_handed_over(
    session: Session, gateway: DevGateway
) -> None:
    seller, _, _, pickup = _paid(session, gateway)
    with pytest.raises(Conflict):
        service.ship(session=session, order=pickup, seller=seller, tracking="DHL 1")
    seller2, _, _, parcel = _paid(session, gateway, fulfilment=Fulfilment.SHIPPING)
    with pytest.raises(Conflict):
        service.hand_over(
            session=session,
            order=parcel,
            seller=seller2,
            code=parcel.handover_code,
            gateway=gateway,
        )


def test_wrong_state_is_a_conflict(session: Session, gateway: DevGateway) -> None:
    seller, buyer, _, order = _bought(session, gateway)
    with pytest.raises(Conflict):
        service.confirm(session=session, order=order, buyer=buyer)
    with pytest.raises(Conflict):
        service.hand_over(
            session=session, order=order, seller=seller, code=order.handover_code, gateway=gateway
        )
    with pytest.raises(Conflict):
        service.dispute(session=session, order=order, buyer=buyer, reason="It never came")


def test_strangers_do_not_see_orders(session: Session, gateway: DevGateway) -> None:
    seller, buyer, _, order = _bought(session, gateway)
    for viewer in (seller, buyer, make_user(session, is_admin=True)):
        assert service.get_order(session=session, order_id=order.id, viewer=viewer).id == order.id
    with pytest.raises(NotFound):
        service.get_order(session=session, order_id=order.id, viewer=make_user(session))


def test_the_buyer_cancels_before_paying_and_the_item_is_free_again(
    session: Session, gateway: DevGateway
) -> None:
    _, buyer, listing, order = _bought(session, gateway)
    _, payment = service.start_payment(session=session, order=order, buyer=buyer, gateway=gateway)
    service.cancel(session=session, order=order, actor=buyer, gateway=gateway)
    service.cancel(session=session, order=order, actor=buyer, gateway=gateway)
    assert order.status is OrderStatus.CANCELLED
    assert _kinds(session, order).count(OrderEventKind.CANCELLED) == 1
    assert _listing_status(session, listing) is ListingStatus.ACTIVE
    assert gateway.get_payment(ref=payment.ref).status is PaymentStatus.CANCELED


def test_a_paid_order_is_cancelled_by_the_seller_only_with_a_refund(
    session: Session, gateway: DevGateway
) -> None:
    seller, buyer, listing, order = _paid(session, gateway)
    with pytest.raises(Conflict):
        service.cancel(session=session, order=order, actor=buyer, gateway=gateway)
    stranger = make_user(session)
    with pytest.raises(PermissionDenied):
        service.cancel(session=session, order=order, actor=stranger, gateway=gateway)
    service.cancel(session=session, order=order, actor=seller, gateway=gateway)
    assert order.status is OrderStatus.CANCELLED and order.refund_ref
    assert _listing_status(session, listing) is ListingStatus.WITHDRAWN


def test_no_cancelling_after_hand_over(session: Session, gateway: DevGateway) -> None:
    seller, _, _, order = _paid(session, gateway)
    service.hand_over(session=session, order=order, seller=seller, code=None, gateway=gateway)
    assert order.status is OrderStatus.HANDED_OVER
    with pytest.raises(Conflict):
        service.cancel(session=session, order=order, actor=seller, gateway=gateway)


def test_a_dispute_is_decided_by_an_admin(session: Session, gateway: DevGateway) -> None:
    seller, buyer, listing, order = _paid(session, gateway, fulfilment=Fulfilment.SHIPPING)
    service.ship(session=session, order=order, seller=seller, tracking="DHL 99")
    with pytest.raises(InvalidInput) as caught:
        service.dispute(session=session, order=order, buyer=buyer, reason="bad")
    assert caught.value.field == "reason"
    service.dispute(session=session, order=order, buyer=buyer, reason="The lamp arrived broken.")
    service.dispute(session=session, order=order, buyer=buyer, reason="The lamp arrived broken.")
    assert order.status is OrderStatus.DISPUTED
    with pytest.raises(PermissionDenied):
        service.resolve_dispute(
            session=session, order=order, admin=seller, outcome="release", gateway=gateway
        )
    admin = make_user(session, is_admin=True)
    service.resolve_dispute(
        session=session, order=order, admin=admin, outcome="refund", gateway=gateway
    )
    service.resolve_dispute(
        session=session, order=order, admin=admin, outcome="refund", gateway=gateway
    )
    assert order.status is OrderStatus.REFUNDED and order.refund_ref
    assert _kinds(session, order).count(OrderEventKind.DISPUTE_RESOLVED) == 1
    assert _listing_status(session, listing) is ListingStatus.WITHDRAWN
    assert not session.exec(select(Payout).where(Payout.order_id == order.id)).all()


def test_a_dispute_released_to_the_seller_completes(session: Session, gateway: DevGateway) -> None:
    seller, buyer, listing, order = _paid(session, gateway)
    service.hand_over(session=session, order=order, seller=seller, code=None, gateway=gateway)
    service.dispute(session=session, order=order, buyer=buyer, reason="Not as described.")
    admin = make_user(session, is_admin=True)
    service.resolve_dispute(
        session=session, order=order, admin=admin, outcome="release", gateway=gateway
    )
    assert order.status is OrderStatus.COMPLETED
    assert _listing_status(session, listing) is ListingStatus.SOLD


def test_a_payment_arriving_after_the_order_ended_is_refunded(
    session: Session, gateway: DevGateway
) -> None:
    _, buyer, _, order = _bought(session, gateway)
    _, payment = service.start_payment(session=session, order=order, buyer=buyer, gateway=gateway)
    service.cancel(session=session, order=order, actor=buyer, gateway=gateway)
    # The provider had already taken the money (its cancel came too late).
    paid = gateway._set_status(payment.ref, when=("canceled",), to="succeeded")
    service.payment_succeeded(
        session=session, gateway=gateway, payment_ref=paid.ref, amount_cents=paid.amount_cents
    )
    assert order.status is OrderStatus.CANCELLED and order.paid_at is None
    notes = [e.note or "" for e in service.events_of(session=session, order=order)]
    assert any("refunded automatically" in note for note in notes)


def test_every_event_names_its_actor(session: Session, gateway: DevGateway) -> None:
    seller, buyer, _, order = _paid(session, gateway)
    service.hand_over(
        session=session, order=order, seller=seller, code=order.handover_code, gateway=gateway
    )
    events = session.exec(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    ).all()
    actors = {e.kind: e.actor_id for e in events}
    assert actors[OrderEventKind.CREATED] == buyer.id
    assert actors[OrderEventKind.PAID] is None  # the provider told us
    assert actors[OrderEventKind.COMPLETED] == seller.id
    assert [e.to_status for e in events if e.to_status] == [
        OrderStatus.PAID,
        OrderStatus.HANDED_OVER,
        OrderStatus.COMPLETED,
    ]
