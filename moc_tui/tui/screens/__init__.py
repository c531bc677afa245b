"""Screens and modals of the helpdesk TUI."""
