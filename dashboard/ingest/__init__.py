"""Data in: reference lists, units and boundaries, warnings and their follow-ups."""
