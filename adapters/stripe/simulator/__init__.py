"""A Stripe simulator (PaymentIntents, refunds, disputes, settlement, signed webhook events),
served in process or on loopback, for the tests, the sandbox and the demo."""
