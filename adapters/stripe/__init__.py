"""Stripe PaymentIntents behind the provider port: the client, webhook verification, the
translation of event snapshots into domain events, and a simulator for tests and the demo."""
