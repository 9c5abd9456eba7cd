"""The Vertex Gateway Merchant API adapter: client, callbacks, translation and simulator."""
