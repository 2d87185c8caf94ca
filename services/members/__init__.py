"""The members service: the member registry and hardship files (困难职工档案).

For now it answers gRPC health and reflection only: it opens its own event
store, connects to NATS, and then reports SERVING.
"""
