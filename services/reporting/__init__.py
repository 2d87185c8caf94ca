"""The reporting service: projections of the ledger and members streams
(exactly once, in the same transaction as each consumer's position), annual
reports as the unions publish them (amounts in 元/万元, person-times 人次,
distinct members 人, households 户), statements, the auditors' event stream,
VerifyLedger and RebuildProjections.
"""
