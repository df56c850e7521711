"""Conversations in the demo: each demo account bargains for a neighbour's item and is
asked about one of its own, through the conversations service as real people would."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from listings.models import Listing, ListingStatus
from resale.conversations import service as conversations
from resale.core.db import utcnow
from resale.core.geo import haversine_km
from resale.seed.rows import Ad, Person, Steps
from resale.users.models import User

# What people say, by the language the demo account speaks.
WORDS = {
    "en": {
        "ask": "Hello! Is it still available? I could pick it up this weekend.",
        "answer": "Yes, still available. Saturday afternoon works for me.",
        "place": "At the metro exit nearest to me",
        "bargain": "Hi! Would you take a little less? I can come whenever suits you.",
    },
    "zh-CN": {
        "ask": "你好，还在吗？周末可以自提。",
        "answer": "在的，周六下午可以。",
        "place": "离我最近的地铁站出口",
        "bargain": "你好，可以小刀吗？时间你定。",
    },
}


def _round(cents: int) -> int:
    """A price people would say: whole units."""
    return max(100, cents // 100 * 100)


def _on_sale(session: Session, ads: list[Ad]) -> list[Ad]:
    """The ads still on sale now that the demo trades are made."""
    return [
        ad
        for ad in ads
        if ad.status is ListingStatus.ACTIVE
        and (listing := session.get(Listing, ad.id)) is not None
        and listing.status is ListingStatus.ACTIVE
    ]


def insert_conversations(
    *, session: Session, people: list[Person], ads: list[Ad], steps: Steps
) -> int:
    """Two conversations per demo account; returns how many were made."""
    demos = [(i, p) for i, p in enumerate(people) if p.demo]
    on_sale = _on_sale(session, ads)
    steps.start("Conversations", len(demos))
    made = 0
    for index, person in demos:
        words = WORDS["zh-CN" if person.language == "zh-CN" else "en"]
        me = session.get(User, person.id)
        assert me is not None
        theirs = [ad for ad in on_sale if ad.seller != index and ad.group in person.interests]
        if theirs:
            ad = min(theirs, key=lambda a: haversine_km(person.lat, person.lon, a.lat, a.lon))
            made += _bargain_as_buyer(session, me, people[ad.seller], ad, words)
        mine = [ad for ad in on_sale if ad.seller == index]
        neighbours = [
            p for p in people if not p.demo and p.place.city == person.place.city and p.id
        ]
        if mine and neighbours:
            asker = session.get(User, neighbours[len(neighbours) // 2].id)
            assert asker is not None
            talk, _ = conversations.start(session=session, buyer=asker, listing_id=mine[0].id)
            conversations.send_text(
                session=session, conversation=talk, sender=asker, body=words["bargain"]
            )
            conversations.make_offer(
                session=session,
                conversation=talk,
                buyer=asker,
                amount_cents=_round(int(mine[0].row["price_cents"] * 0.8)),
            )
            made += 1
        steps.advance(1)
    return made


def _bargain_as_buyer(
    session: Session, me: User, seller_person: Person, ad: Ad, words: dict[str, str]
) -> int:
    """The demo account asks, the seller answers and proposes where to meet, the demo
    account offers and the seller counters: the counter waits for the demo account."""
    seller = session.get(User, seller_person.id)
    assert seller is not None
    talk, _ = conversations.start(session=session, buyer=me, listing_id=ad.id)
    conversations.send_text(session=session, conversation=talk, sender=me, body=words["ask"])
    conversations.send_text(session=session, conversation=talk, sender=seller, body=words["answer"])
    conversations.propose_meeting(
        session=session,
        conversation=talk,
        sender=seller,
        at=(utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0),
        place=words["place"],
    )
    price = int(ad.row["price_cents"])
    offer = conversations.make_offer(
        session=session, conversation=talk, buyer=me, amount_cents=_round(int(price * 0.8))
    )
    counter = _round(int(price * 0.9))
    if counter > offer.amount_cents:
        conversations.answer_offer(
            session=session,
            conversation=talk,
            user=seller,
            offer_id=offer.id or 0,
            action=conversations.OfferAction.COUNTER,
            amount_cents=counter,
        )
    return 1
