"""payouts.source_payment_ref: the payment a transfer is drawn from, kept on the payout

So payments make transfers from their own rows, without reading the orders table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 01:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_payment_ref", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE payouts SET source_payment_ref = "
        "(SELECT orders.payment_ref FROM orders WHERE orders.id = payouts.order_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_column("source_payment_ref")
