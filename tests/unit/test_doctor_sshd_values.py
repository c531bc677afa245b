"""Doctor compares the drop-in with `sshd -T` value by value: a time is printed in seconds
(`60s` -> `60`), every other value as written, whatever digits and letters a path holds."""

from __future__ import annotations

from pathlib import Path

from moc_tui.host.checks.sshd import expected_settings
from moc_tui.host.layout import Layout


def test_a_path_keeps_its_letters_and_a_time_loses_its_unit() -> None:
    layout = Layout(prefix=Path("/tmp/hdhost-e4888a-zfbpc9s1"))  # a real test run's folder
    expected = expected_settings(layout)
    assert expected["authorizedkeysfile"] == [
        "/tmp/hdhost-e4888a-zfbpc9s1/etc/ssh/helpdesk/%u.keys"
    ]
    assert "/tmp/hdhost-e4888a-zfbpc9s1/" in expected["forcecommand"][0]
    assert expected["unusedconnectiontimeout"] == ["60"]
    assert expected["clientaliveinterval"] == ["60"]
