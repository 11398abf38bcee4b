"""Screens of the console: modals and full screens pushed over the tabs."""
