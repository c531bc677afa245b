"""What an interpreter imports from, asked without letting it run a `.pth` file.

The login wrapper and the launchers run with `-I -S`: no `site`, so no `.pth` file (any line
starting with `import` in one runs as code) and no site-packages. The launchers then put back
exactly the library folders found here. Asking is done with `-I -S` too: root must not run a
`.pth` file while checking for writable ones.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

FLAGS = ("-I", "-S")
SHEBANG_FLAGS = "-IS"  # one word: Linux passes the rest of a #! line as one argument

_QUERY = """
import json, os, site, sys, sysconfig
bindir = os.path.dirname(os.path.abspath(sys.argv[1]))
venv = os.path.dirname(bindir)
config = os.path.join(venv, "pyvenv.cfg")
base = site.getsitepackages()
library = base
if os.path.isfile(config):
    names = dict.fromkeys(["base", "platbase", "installed_base", "installed_platbase"], venv)
    scheme = "posix_venv" if "posix_venv" in sysconfig.get_scheme_names() else "posix_prefix"
    library = [sysconfig.get_path(k, scheme, names) for k in ("purelib", "platlib")]
    with open(config, encoding="utf-8") as handle:
        text = handle.read().replace(" ", "").lower()
    if "include-system-site-packages=true" in text:
        library += base
print(json.dumps({"path": sys.path, "library": list(dict.fromkeys(library)), "base_library": base}))
"""


class InterpreterError(Exception):
    """The interpreter could not be asked; the message says which and why."""


@dataclass(frozen=True)
class Interpreter:
    python: str
    path: tuple[str, ...]  # sys.path under -I -S
    library: tuple[str, ...]  # its site-packages (a venv's own when it is one)
    base_library: tuple[str, ...]  # the base installation's site-packages

    @property
    def every_path(self) -> tuple[str, ...]:
        """All folders it could import from, with or without site."""
        return tuple(dict.fromkeys([*self.path, *self.library, *self.base_library]))


def describe(python: str) -> Interpreter:
    try:
        result = subprocess.run(
            [python, *FLAGS, "-c", _QUERY, python],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InterpreterError(f"{python} cannot be run: {error}") from None
    if result.returncode != 0:
        raise InterpreterError(f"{python} failed: {result.stderr.strip()[-300:]}")
    data = json.loads(result.stdout)
    return Interpreter(
        python, tuple(data["path"]), tuple(data["library"]), tuple(data["base_library"])
    )
