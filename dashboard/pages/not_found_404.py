"""The page for an address that names no page: the translated "not found" view.

Dash's page router shows the page of a module named ``not_found_404`` for
unknown paths; any logged-in user may see it.
"""

from __future__ import annotations

import dash

from dashboard.web.guard import SIGNED_IN, not_found_view

dash.register_page(__name__, path="/404", name="nav.not_found", nav=False, permission=SIGNED_IN)


def layout(**_kwargs):
    return not_found_view()
