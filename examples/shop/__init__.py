"""A tiny shop integration, twice: the natural way (``naive``) and the idempotent way (``fixed``).

Both are webhook-side handlers: the order service calls them with every ``OrderUpdate`` and they
ship the goods through the shop's back end (anything with ``ship(order_number)``). The kit in
``orderstate.testing`` finds the naive one's bug; ``docs/testing-your-integration.md`` tells the
story.
"""
