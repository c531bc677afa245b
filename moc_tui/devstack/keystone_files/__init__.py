"""Data files for the local Keystone: its config template and two scripts run as child processes.

`ks_init.py` and `ks_serve.py` are run by path with the current interpreter, never imported by
the package, because keystone parses `sys.argv` and its config at import time. They live in
their own directory because a script's directory becomes `sys.path[0]`: next to
`devstack/keystone.py` they would import that module instead of the `keystone` package.
"""
