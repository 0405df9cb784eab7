"""Precinct geometry: district boundaries, station cells, point-in-precinct."""

# the levels a boundary file may be for, and the overlaps and gaps (m²) its report ignores;
# here, light to import, for ``antifraud import-boundaries``'s options
LEVELS = ("station", "county")
DEFAULT_TOLERANCE_M2 = 1_000.0
