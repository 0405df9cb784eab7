"""The errors of commands: a field the user must correct, or a record not in scope."""

from __future__ import annotations

from dashboard.auth.permissions import PermissionDenied
from dashboard.auth.records import NotFound
from dashboard.i18n import t

__all__ = ["Invalid", "NotFound", "PermissionDenied"]


class Invalid(ValueError):
    """A value the command refuses: which form field, and why (an i18n key with parameters).

    The message names the field itself ("用户名：已被使用" / "Username: already taken").
    """

    def __init__(self, field: str, key: str, **params) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key
        self.params = params

    def message(self, lang: str | None = None) -> str:

        return t(self.key, lang, **self.params)
