"""A Hypothesis kit for property-testing your own payment integration against Vertex."""
