"""Orders: the trade itself, from claim and payment through hand-over to completion or refund."""
