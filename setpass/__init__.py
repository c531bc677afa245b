"""The setpass service: where a new user sets their first password with the PIN from the form."""
