"""Writes, one verb a file: each command validates, then runs in the caller's transaction.

A command never commits: the web request or CLI command that called it owns
the session and commits (also after a refusal, so that the audit row of the
refusal is kept).  ``validate()`` raises ``Invalid`` naming the form field and
an i18n message key; ``run()`` validates first, then writes and audits.
"""
