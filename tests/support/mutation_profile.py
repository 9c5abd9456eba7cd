"""The Hypothesis profile ``make mutate`` runs the tests under (``-p tests.support.mutation_profile
--hypothesis-profile=mutation`` in pyproject's ``[tool.mutmut]``).

A mutant only needs one failing example to be killed, so shrinking it (which can take minutes for
a stateful test) is skipped; examples are derived from each test's name and no example database
is read or written, so every run tries the same examples and the score is reproducible.
"""

from __future__ import annotations

from hypothesis import Phase, settings

settings.register_profile(
    "mutation",
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    print_blob=False,
)
