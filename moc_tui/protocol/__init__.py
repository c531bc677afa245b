"""The contract between the TUI and the backend: wire format, typed messages, the TUI's client.

Free of Textual and of secrets, so the unprivileged TUI imports this and never `moc_tui.backend`:
`wire` (framing, limits, parameter schemas), `views` and `replies` (what every op answers, as
TypedDicts: JSON maps onto them and mypy checks the keys on both sides), `events` (what a
running op streams), `client` (the TUI's side of the pipe).
"""
