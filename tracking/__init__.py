"""Segment-compatible tracking: a product instrumented with Segment sends its usage to Junkan."""
