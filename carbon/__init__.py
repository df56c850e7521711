"""Carbon estimates (pure functions + data) and carbon accounts (an append-only ledger).

``carbon.estimate`` holds the methodology of issue 5: pure functions over the
figures in ``carbon/data/`` (loaded and versioned by ``carbon.methodology``),
with no database code. The ledger is filled by the rest of issue 5.
"""
