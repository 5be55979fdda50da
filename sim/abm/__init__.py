"""Mesa shell: one ``mesa.Model`` per negotiation run, one ``mesa.Agent`` per actor."""
