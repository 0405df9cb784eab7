"""Every app of a process carries the clientside callbacks' scripts, not only the first one."""

from __future__ import annotations

from tests.conftest import login
from tests.web.conftest import PASSWORD

SCRIPT = "shell-nav-toggler.n_clicks"  # in the body of the phone menu's clientside callback


def test_a_second_app_still_serves_the_clientside_callbacks(app_factory, fresh_client):
    first = fresh_client("leader")
    assert SCRIPT in first.get("/").get_data(as_text=True)  # the first app drew a page
    second = app_factory().test_client()
    login(second, "leader", PASSWORD)
    assert SCRIPT in second.get("/").get_data(as_text=True)
