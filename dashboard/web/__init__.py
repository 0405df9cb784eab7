"""The Flask side: database per request, health check, the Dash shell."""
