"""Widgets of the helpdesk TUI."""
