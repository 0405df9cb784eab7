"""The demo city (Xiamen): its units and precincts, and two years of history."""
