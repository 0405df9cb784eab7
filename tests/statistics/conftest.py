"""Helpers for statistics tests over the seeded city (read-only)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.statistics.publication import build_publication
from dashboard.statistics.request import parse_request
from tests.conftest import SEED_END

NOW = SEED_END


@pytest.fixture
def city_scope(seeded_session):
    return scope_for_unit(seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city")))


@pytest.fixture
def publish(seeded_session, city_scope):
    """``publish(params, threshold=5)``: the publication the page, CLI and API would build."""
    def make(params: dict, threshold: int = 5):
        request, units = parse_request(params, seeded_session, city_scope, NOW)
        return build_publication(seeded_session, city_scope, request, units, NOW, threshold)

    return make
