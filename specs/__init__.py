"""The specs as package data: the life cycle (``lifecycle.yaml``) and, later, provider APIs."""
