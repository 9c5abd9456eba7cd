"""Adapters around the pure engine: persistence, diagrams, and (later) providers, HTTP and CLI."""
