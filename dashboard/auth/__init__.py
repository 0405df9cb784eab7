"""Who may see and do what: passwords, TOTP, permissions, scope, encryption, audit.

Self-contained building blocks with no Flask import; the web layer wires
them (see each module's docstring).
"""
