"""The helpdesk TUI (Textual): the operator's day, talking only to the privileged backend."""
