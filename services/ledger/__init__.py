"""The ledger service: programmes with budgets, payouts, reversals, recorded as
immutable double-entry events."""
