"""Teaching tools: a round-by-round transcript of one run (``negsim-transcript``) and a
browser dashboard (``negsim-dashboard``). Both replay runs with the Mesa reference model
(:mod:`sim.abm`); the dashboard's distributions use the batch engine."""
