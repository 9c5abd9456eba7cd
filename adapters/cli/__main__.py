"""``python -m orderstate.adapters.cli``: the same as the ``orderstate`` command."""

from .app import main

main()
