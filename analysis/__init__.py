"""Analysis of stored results (summaries, outcomes tables): tables, reports and figures.

Modules here read files or summary dicts; they never import the Mesa shell.
"""
