"""Counters for `limits` in our own database: a storage on the rate_limit_counters table."""
