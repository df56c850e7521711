"""Reviews in the demo: the recent completed trades are reviewed by both people, in their
language, through the trust service as real people would (older trades are past the window)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from resale.core.config import settings
from resale.seed.rows import Steps
from resale.trade.orders.models import Order, OrderStatus
from resale.trust import service as trust
from resale.trust.models import Review
from resale.users.models import User

# What buyers and sellers write, by language: (stars, text), the buyer's first.
SAID = {
    "en": (
        [(5, "Exactly as described, and a friendly hand-over."), (4, "Good item, a bit late.")],
        [(5, "Quick to reply and on time. Thank you!"), (5, "Easy trade, recommended.")],
    ),
    "zh-CN": (
        [(5, "和描述一致，卖家很好沟通。"), (4, "东西不错，就是晚到了一会儿。")],
        [(5, "买家爽快，准时自提，推荐！"), (5, "沟通顺畅，交易愉快。")],
    ),
}


def insert_reviews(*, session: Session, rng: random.Random, now: datetime, steps: Steps) -> int:
    """Both reviews of every trade completed within the review window; returns how many."""
    since = now - timedelta(days=settings.review_days) + timedelta(hours=1)
    reviewed = select(Review.order_id)  # seeding again adds to what is there
    orders = session.exec(
        select(Order).where(
            Order.status == OrderStatus.COMPLETED,
            col(Order.closed_at) > since,
            col(Order.id).not_in(reviewed),
        )
    ).all()
    steps.start("Reviews", len(orders))
    made = 0
    for order in orders:
        for author_id, side in ((order.buyer_id, 0), (order.seller_id, 1)):
            author = session.get(User, author_id)
            assert author is not None
            stars, text = rng.choice(SAID["zh-CN" if author.language == "zh-CN" else "en"][side])
            trust.write_review(
                session=session,
                order_id=order.id or 0,
                author=author,
                stars=stars,
                text=text,
                as_described=True if side == 0 else None,
            )
            made += 1
        steps.advance(1)
    return made
