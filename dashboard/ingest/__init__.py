"""Data in: reference lists, units and boundaries, warnings and their follow-ups."""

# the kinds of record (one schema each, ``dashboard.ingest.schemas.SCHEMAS``) and the most records
# a batch may hold; here, light to import, for ``antifraud import``'s options
KINDS = ("warnings", "outcomes", "stop-payments")
MAX_BATCH = 5000
