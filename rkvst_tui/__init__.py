"""rkvst-tui: a terminal admin console for RKVST App Registrations."""

__version__ = "0.1.0"
