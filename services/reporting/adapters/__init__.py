"""Adapters of the reporting service: the envelope codec, the projection tables
and their queries, the JetStream consumers and stream reads, and the ledger's
own store (read for the audit)."""
