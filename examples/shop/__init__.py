"""A tiny shop integration, twice: the natural way (``naive``) and the idempotent way (``fixed``).

Both are followers of the service's log: the shop's worker calls them with every ``OrderUpdate``
(at least once) and they ship the goods through the shop's back end (anything with
``ship(order_number, key=...)``). The kit in
``orderstate.testing`` finds the naive one's bug; ``docs/testing-your-integration.md`` tells the
story.
"""
