"""``python -m sim`` runs the Hydra app, like the ``negsim`` console script."""

from sim.app import main

main()
