"""Tests against real services on 127.0.0.1: Keystone, SMTP, the Sheets fake, sshd, databases,
tmux, Chromium."""
