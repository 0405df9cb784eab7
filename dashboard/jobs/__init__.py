"""Jobs that run on their own, every so often: the escalation pass and its housekeeping.

``worker`` runs them in a thread of the web process (``ESCALATION_IN_PROCESS``)
or as ``antifraud escalation-worker``; a lease row (``commands.job_lease``) keeps
several processes from running them at once.  What a pass does is written as commands
(``dashboard.commands.tasks.escalation_pass``).
"""
