"""orders and payments: the trade, its history, webhook events, payouts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:00:07.431760
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("payment_ref", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
        sa.UniqueConstraint("gateway", "event_id", name=op.f("uq_payment_events_gateway_event_id")),
    )
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_events_payment_ref"), ["payment_ref"], unique=False
        )

    op.create_table(
        "payment_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stripe_account_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_payment_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_payment_accounts")),
        sa.UniqueConstraint(
            "stripe_account_id", name=op.f("uq_payment_accounts_stripe_account_id")
        ),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending_payment",
                "paid",
                "handed_over",
                "shipped",
                "disputed",
                "completed",
                "cancelled",
                "refunded",
                name="order_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "fulfilment",
            sa.Enum(
                "pickup", "shipping", name="fulfilment", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("item_cents", sa.Integer(), nullable=False),
        sa.Column("shipping_cents", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("handover_code", sa.String(length=6), nullable=False),
        sa.Column("handover_failures", sa.Integer(), nullable=False),
        sa.Column("tracking", sa.String(length=200), nullable=True),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("payment_ref", sa.String(length=100), nullable=True),
        sa.Column("refund_ref", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protection_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("buyer_id <> seller_id", name=op.f("ck_orders_not_own_listing")),
        sa.CheckConstraint(
            "fee_cents >= 0 AND fee_cents <= total_cents", name=op.f("ck_orders_fee_in_total")
        ),
        sa.CheckConstraint("item_cents >= 0", name=op.f("ck_orders_item_not_negative")),
        sa.CheckConstraint("shipping_cents >= 0", name=op.f("ck_orders_shipping_not_negative")),
        sa.CheckConstraint(
            "total_cents = item_cents + shipping_cents", name=op.f("ck_orders_total_adds_up")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_orders_buyer_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_orders_listing_id_listings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_orders_seller_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("payment_ref", name=op.f("uq_orders_payment_ref")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_buyer_id_created_at", ["buyer_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_orders_seller_id_created_at", ["seller_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_orders_status_expires_at", ["status", "expires_at"], unique=False)
        batch_op.create_index(
            "ix_orders_status_protection_ends_at", ["status", "protection_ends_at"], unique=False
        )
        batch_op.create_index(
            "uq_orders_open_listing",
            ["listing_id"],
            unique=True,
            sqlite_where=sa.text(
                "status IN ('pending_payment', 'paid', 'handed_over', 'shipped', 'disputed')"
            ),
            postgresql_where=sa.text(
                "status IN ('pending_payment', 'paid', 'handed_over', 'shipped', 'disputed')"
            ),
        )

    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "created",
                "payment_started",
                "paid",
                "payment_failed",
                "expired",
                "cancelled",
                "shipped",
                "handed_over",
                "wrong_code",
                "confirmed",
                "disputed",
                "dispute_resolved",
                "completed",
                "refunded",
                "payout",
                name="order_event_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "pending_payment",
                "paid",
                "handed_over",
                "shipped",
                "disputed",
                "completed",
                "cancelled",
                "refunded",
                name="order_event_from_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "pending_payment",
                "paid",
                "handed_over",
                "shipped",
                "disputed",
                "completed",
                "cancelled",
                "refunded",
                name="order_event_to_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_order_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_events_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.create_index("ix_order_events_order_id_id", ["order_id", "id"], unique=False)

    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "transfer",
                "balance",
                name="payout_method",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "paid",
                "payable",
                name="payout_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("destination", sa.String(length=100), nullable=True),
        sa.Column("transfer_ref", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_payouts_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payouts_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["users.id"],
            name=op.f("fk_payouts_seller_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("order_id", name=op.f("uq_payouts_order_id")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payouts_seller_id"), ["seller_id"], unique=False)

    # Plain ADD COLUMN (no table rebuild on SQLite, which would drop the search triggers);
    # the CHECK rides on the column, which both databases accept in ADD COLUMN.
    op.execute(
        "ALTER TABLE listings ADD COLUMN shipping_cents INTEGER "
        "CONSTRAINT ck_listings_shipping_not_negative "
        "CHECK (shipping_cents IS NULL OR shipping_cents >= 0)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE listings DROP COLUMN shipping_cents")

    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payouts_seller_id"))

    op.drop_table("payouts")
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index("ix_order_events_order_id_id")

    op.drop_table("order_events")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_orders_open_listing",
            sqlite_where=sa.text(
                "status IN ('pending_payment', 'paid', 'handed_over', 'shipped', 'disputed')"
            ),
            postgresql_where=sa.text(
                "status IN ('pending_payment', 'paid', 'handed_over', 'shipped', 'disputed')"
            ),
        )
        batch_op.drop_index("ix_orders_status_protection_ends_at")
        batch_op.drop_index("ix_orders_status_expires_at")
        batch_op.drop_index("ix_orders_seller_id_created_at")
        batch_op.drop_index("ix_orders_buyer_id_created_at")

    op.drop_table("orders")
    op.drop_table("payment_accounts")
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_events_payment_ref"))

    op.drop_table("payment_events")
