"""The demo city (Xiamen): its units and precincts, and two years of history."""

# here, light to import, for ``antifraud simulate``'s options: the source of the generated
# history's warnings, and a surge's warnings (``dashboard.demo.feed_ticks``): this many times a
# unit's usual ones, and at least this many more a minute
HISTORY_SOURCE = "demo"
SURGE_FACTOR = 40
SURGE_FLOOR_PER_MINUTE = 1.0
