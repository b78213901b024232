"""Writes of the health score engine (see the modules for the details)."""
