"""Deployment of the helpdesk host: the layout, the generated files, setup and the doctor.

Lives next to the backend because it is the backend's boundary that it sets up: the accounts,
the one sudoers rule, the sshd Match block and the root-owned launchers.
"""
