"""The serving process's heap, settled once the app is built.

A built app holds a few hundred thousand long-lived objects (Dash's
component registry, plotly's validators, SQLAlchemy's mappers, the
catalogues).  Python's cyclic collector walks all of them in each of its
oldest-generation passes, which a view's temporary objects set off every
few requests, and those requests are the slow tail (docs/performance.md,
"Why the code is shaped this way").  ``settle()`` collects
once and then moves everything alive into the permanent generation
(``gc.freeze``), so later passes walk only what requests create.  Call it
once per serving process, after the app is built: gunicorn's
``post_worker_init`` (docker/gunicorn.conf.py) and the bench do.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect, then freeze what is alive; the number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
