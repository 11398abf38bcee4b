"""Widgets of the console frame and its tabs."""
