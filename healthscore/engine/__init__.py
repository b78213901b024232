"""The scoring engine: measures (what is counted per account and day), the catalogue of
measures and schemes, scoring (points, weights, bands) and the many-days history of measures.

Pure computation over frames read through the lower apps' selectors and this app's models: the
services (recompute, preview, backtest) call it; it writes nothing.
"""
