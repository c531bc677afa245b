"""Deployment of the helpdesk host: the layout, the generated files, setup and the doctor.

Kept out of `moc_tui.backend` so that the backend package holds only the privileged server; this
package sets up the backend's boundary: the accounts, the one sudoers rule, the sshd Match block
and the root-owned launchers.
"""
