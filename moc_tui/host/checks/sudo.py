"""The sudo rule and the Defaults that apply to it, as sudo itself reports them (`sudo -l -U`).

`Defaults:helpdesk !env_reset` passes the operator's environment (HTTP_PROXY, ...) to the
backend; an `env_keep`, `setenv` or `env_file` does the same for chosen variables. The rule
must be the one setup-host writes, and the service user may run nothing through sudo.
"""

from __future__ import annotations

import re

from moc_tui.host.checks.base import Context, check

# Defaults that let the caller's environment (or a file's) reach the backend, or keep
# descriptors open into it
UNSAFE_DEFAULTS = {
    "!env_reset": "passes the caller's whole environment",
    "setenv": "lets the caller set any variable",
    "env_keep": "keeps chosen variables of the caller",
    "env_file": "adds variables from a file",
    "restricted_env_file": "adds variables from a file",
    "closefrom_override": "lets the caller keep descriptors open",
    "!secure_path": "keeps the caller's PATH",
}
_SPLIT = re.compile(r"(?<!\\),\s*")


def _section(output: str, heading: str) -> list[str]:
    """The indented lines after the line starting with `heading`, up to a blank line."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(heading):
            body = []
            for item in lines[index + 1 :]:
                if not item.strip():
                    break
                body.append(item.strip())
            return body
    return []


def defaults_of(output: str) -> list[str]:
    """Each Defaults entry sudo says applies to the user, runas- and command-specific ones too."""
    entries = [
        e.strip() for e in _SPLIT.split(" ".join(_section(output, "Matching Defaults entries")))
    ]
    for line in _section(output, "Runas and Command-specific defaults"):
        scope, _, values = line.partition(" ")
        entries += [f"{scope} {e.strip()}" for e in _SPLIT.split(values)]
    return [e for e in entries if e]


def unsafe(entry: str) -> str | None:
    value = entry.split(" ", 1)[1] if entry.startswith("Defaults") else entry
    name = re.split(r"[+\-]?=", value, maxsplit=1)[0].strip()
    return UNSAFE_DEFAULTS.get(name)


@check(
    "sudo.rule",
    "sudo grants the helpdesk account exactly: (service user) the backend, no arguments",
)
def rule(ctx: Context) -> list[str]:
    layout = ctx.layout
    output = ctx.run(["sudo", "-n", "-l", "-U", layout.helpdesk_user])
    _, marker, rules = output.partition("may run the following commands")
    commands = [line.strip() for line in rules.splitlines()[1:] if line.startswith((" ", "\t"))]
    expected = f'({layout.service_user}) NOPASSWD: {layout.backend} ""'
    if not marker:
        return [f"sudo grants {layout.helpdesk_user} nothing; expected: {expected}"]
    if commands != [expected]:
        return [
            f"sudo -l -U {layout.helpdesk_user} shows {len(commands)} rule(s) "
            f"{commands!r}; expected exactly: {expected}"
        ]
    return []


@check(
    "sudo.defaults",
    "no Defaults for the helpdesk account or the service user pass an environment "
    "(!env_reset, setenv, env_keep, env_file, ...); the service user may run nothing",
)
def defaults(ctx: Context) -> list[str]:
    found = []
    service_user = ctx.layout.service_user
    for user in (ctx.layout.helpdesk_user, service_user):
        output = ctx.run(["sudo", "-n", "-l", "-U", user])
        for entry in defaults_of(output):
            why = unsafe(entry)
            if why:
                found.append(f"sudo Defaults for {user}: {entry[:120]} ({why}); remove it")
        if user == service_user and "may run the following commands" in output:
            found.append(f"sudo lets the service user {user} run commands; it must not")
    return found
