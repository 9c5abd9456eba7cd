"""The pytest plugin of ``orderstate.testing`` (fixtures are added by the kit's engineer)."""
