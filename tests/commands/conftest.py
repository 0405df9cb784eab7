"""The commands' tests use the small command chain and user factory of the auth tests."""

from tests.auth.conftest import fast_hashing, make_user, now, org, personal_data_key  # noqa: F401
