"""The ``orderstate`` command: the service's use cases, the demo, and the diagram, from a shell."""
