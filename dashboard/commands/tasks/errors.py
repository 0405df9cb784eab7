"""The errors of task commands: a refused field, or a task someone else changed first."""

from __future__ import annotations

from dashboard.commands.errors import Invalid
from dashboard.i18n import current_language, normalize, t

# parameters whose values are codes shown by their translated name
_TRANSLATED = {"status": "task.status.", "action": "task.action."}
_UNNAMED_FIELDS = frozenset({"version"})  # "changed by X at T" says it all


class TaskInvalid(Invalid):
    """``Invalid`` whose message starts with the field's name ("截止时间：..." / "Deadline: ...").

    ``status`` and ``action`` parameters are codes, shown by their translated names; a
    ``(zh, en)`` pair (a unit's names) is shown in the message's language.
    """

    def message(self, lang: str | None = None) -> str:

        zh = normalize(lang or current_language()) == "zh-CN"
        params = {name: t(_TRANSLATED[name] + str(value), lang) if name in _TRANSLATED
                  else (value[0] if zh else value[1]) if isinstance(value, tuple) else value
                  for name, value in self.params.items()}
        if "by" in params and params["by"] is None:
            params["by"] = t("task.actor.system", lang)
        text = t(self.key, lang, **params)
        if self.field in _UNNAMED_FIELDS:
            return text
        return t("task.error.format", lang, field=t(f"task.field.{self.field}", lang), message=text)


class TaskChanged(TaskInvalid):
    """The task is no longer the version the user acted on: "changed by X at T"."""

    def __init__(self, task_id: int, by: str | None, at: str) -> None:
        super().__init__("version", "task.error.changed", by=by, at=at)
        self.task_id = task_id
