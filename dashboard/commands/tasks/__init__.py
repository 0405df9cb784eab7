"""Task commands, one verb a file: issue, split, acknowledge, start, complete, reject,
cancel, re-assign, escalate.

Each validates, then runs in the caller's transaction and never commits; see
``base`` for the order of checks and the optimistic version claim.  Errors:
``TaskInvalid`` (a field and an i18n key), ``TaskChanged`` ("changed by X at
T"), ``PermissionDenied`` and ``NotFound`` (both audited).
"""

from dashboard.commands.tasks.acknowledge import Acknowledge
from dashboard.commands.tasks.cancel import Cancel
from dashboard.commands.tasks.complete import Complete
from dashboard.commands.tasks.errors import TaskChanged, TaskInvalid
from dashboard.commands.tasks.escalate import Escalate, escalation_due
from dashboard.commands.tasks.issue import IssueTask
from dashboard.commands.tasks.reassign import Reassign
from dashboard.commands.tasks.reject import Reject
from dashboard.commands.tasks.split import Split
from dashboard.commands.tasks.start import Start

# the steps a user may take on an existing task, by action name (the task page's buttons)
STEPS = {cls.action: cls for cls in (Acknowledge, Start, Complete, Reject, Split, Reassign, Cancel)}

__all__ = ["Acknowledge", "Cancel", "Complete", "Escalate", "IssueTask", "Reassign", "Reject",
           "Split", "Start", "STEPS", "TaskChanged", "TaskInvalid", "escalation_due"]
