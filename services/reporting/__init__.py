"""The reporting service: annual totals per programme, year and union level
(amounts in 元/万元, person-times 人次, distinct members 人, households 户).

For now it answers gRPC health and reflection only: it opens its own event
store, connects to NATS, and then reports SERVING.
"""
