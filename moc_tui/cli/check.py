"""`moc-tui check`: validate a settings file and what a run will read, all problems at once.

Beyond the loader's rules: the backend's rules for the settings file (the same function the
backend applies), the Google key loaded as google-auth will, every mail template a run will use
(a placeholder nothing fills is a problem), URLs still at example.org (a warning), the link
lifetime against setpass's configuration when this host has it, and, with `--sheet` (or whenever
the sheet is a local store), the tabs' header rows against the configured columns. Exit 1 on any
problem; warnings are printed and do not fail.
"""

from __future__ import annotations

import argparse
import sys

from moc_tui.cli.common import add_config_option, load_or_report
from moc_tui.core.mail.catalog import template_findings
from moc_tui.core.settings import Settings
from moc_tui.core.settings.checks import Findings, example_urls, file_rules, link_lifetime
from moc_tui.core.settings.secret_files import BACKEND_FILE_RULES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate a settings file, its templates and (with --sheet) the sheets' headers",
        description="Validate a settings file and everything a run reads: every problem is "
        "listed; exit 1 if there is any.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--sheet",
        action="store_true",
        help="also read the header rows of the sheets (Google: one request per sheet) and "
        "compare them with [access_columns] / [quota_columns]",
    )
    parser.set_defaults(run=run)


def findings_of(settings: Settings, *, sheet: bool) -> Findings:
    findings = Findings()
    file_rules(settings, findings)
    problems, warnings = template_findings(settings)
    findings.problems += problems
    findings.warnings += example_urls(settings) + warnings
    link_lifetime(settings, findings)
    sheets = [settings.access_sheet, settings.quota_sheet]
    if sheet or all(s is None or s.is_local for s in sheets):
        from moc_tui.core.settings.sheet_headers import sheet_header_findings
        from moc_tui.core.sheets import open_store

        problems, warnings = sheet_header_findings(settings, open_store)
        findings.problems += problems
        findings.warnings += warnings
    else:
        findings.notes.append("sheet headers not compared (Google Sheets: use --sheet)")
    return findings


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    findings = findings_of(settings, sheet=args.sheet)
    for warning in findings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if findings.problems:
        count = len(findings.problems)
        print(f"{settings.path}: {count} problem{'s' if count != 1 else ''}:", file=sys.stderr)
        for problem in findings.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    store = settings.access_sheet
    where = store.local_store if store.is_local else f"Google sheet {store.worksheet_key}"
    print(f"{settings.path}: OK")
    print(f"  file rules:     the backend's ({BACKEND_FILE_RULES})")
    print(f"  cloud:          {settings.auth.auth_url} as {settings.auth.admin_user}")
    print(f"  access sheet:   {where}")
    print(f"  quota sheet:    {'configured' if settings.quota_sheet else 'not configured'}")
    print(
        f"  mail:           {settings.smtp.host}:{settings.smtp.port} "
        f"({settings.smtp.security.value})"
    )
    print(f"  state directory: {settings.state_dir}")
    for note in findings.notes:
        print(f"  note: {note}")
    return 0
