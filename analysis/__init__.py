"""Analysis of stored results (summaries, outcomes tables): tables, reports and figures.

Modules here read files or summary dicts; what must compose a config or simulate goes through
:mod:`sim.api`. They never import the Mesa shell (``sim.abm``) or the Hydra app (``sim.app``,
``sim.launchers``): ``tests/test_boundaries.py`` checks it.
"""
