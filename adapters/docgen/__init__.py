"""Writers of generated docs: the life-cycle diagrams, the Vertex mapping table and the
architecture diagram. Each has ``python -m`` entry point, and a test fails when the committed
file differs from what it would write."""
