"""Pieces of the Solara teaching view (``sim.app``): the session that owns the running model,
the drawings (organisation chart, live charts, telephone game) and the lever table.

Nothing here imports Solara, so it can be used and tested without a page.
"""
