"""Tools around the toms baseline: offline preview, live audit, restore drill, evidence report."""

__version__ = "0.1.0"
