"""The privileged backend: the only process that holds secrets, behind a closed JSON protocol.

The TUI (unprivileged, runs as the shared helpdesk account) starts it once per session through
`sudo -n -u <service user> <backend>` and speaks newline-delimited JSON on its stdin/stdout.
See `moc_tui.protocol` for the message shapes and `ops` for the operations (one module per kind,
one handler table).
"""
