"""Tasks down the command chain, beyond the commands themselves: deadline rules, who is on which
side of a task, the board's queries, proposals from warnings, escalation and its worker.

The domain model is ``dashboard.domain.tasks``; the writes are the commands of
``dashboard.commands.tasks``; the pages are ``dashboard.pages.tasks_board``,
``task`` and ``task_new``.
"""
