"""Figure builders and reusable Dash components (no database access here)."""

from dashboard.components.figure_template import install as _install_template

_install_template()  # every figure built from here on uses the cut template
