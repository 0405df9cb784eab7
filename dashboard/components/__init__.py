"""Figure builders and reusable Dash components (no database access here)."""
