"""Backends starting at once on a fresh state folder agree on the fingerprint key: the second
used to read the key file while the first was still writing it, and then took every row the
first had shown for changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CODE = """
import sys
from pathlib import Path
from moc_tui.backend import views
views.load_fingerprint_key(Path(sys.argv[1]))
print(views.fingerprint("Form Responses 1", 2, ["a@example.org"]))
"""


def test_backends_started_together_agree_on_the_fingerprint_key(tmp_path: Path) -> None:
    for attempt in range(5):
        state = tmp_path / f"state{attempt}"
        starts = [
            subprocess.Popen([sys.executable, "-c", CODE, str(state)], stdout=subprocess.PIPE)
            for _ in range(8)
        ]
        prints = {p.communicate(timeout=60)[0].strip() for p in starts}
        assert len(prints) == 1, prints
        assert [f.name for f in state.iterdir()] == ["fingerprint.key"]  # no draft left
        assert (state / "fingerprint.key").stat().st_mode & 0o777 == 0o600
