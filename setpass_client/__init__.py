"""Client of the setpass service: register a user's first password and PIN, get the link token."""
