"""Precinct geometry: district boundaries, station cells, point-in-precinct."""
