"""`python -m moc_tui` runs the same CLI as the `moc-tui` console script."""

from moc_tui.cli import main

raise SystemExit(main())
