"""Stand-ins for the outside world, run on 127.0.0.1 by the tests and the demo.

A real Keystone from PyPI, a small quota service for compute / network / volume, a fake of the
Google Sheets REST API and its token endpoint, and an SMTP sink. None of this is used in production
and the headless core never imports it.
"""
