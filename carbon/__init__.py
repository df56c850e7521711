"""Carbon estimates (pure functions + data) and carbon accounts (an append-only ledger).

Not built yet: this package is reserved by the architecture and filled by the
carbon issue (#5). Nothing imports it so far.
"""
