"""The operator's terminal UI. It renders and asks; it never holds a secret (the backend does)."""
