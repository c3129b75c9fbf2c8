"""`python -m fundbot`."""

from fundbot.cli import main

raise SystemExit(main())
