"""The payments ledger: money that moved, read from CSV files, platform exports and GitHub
Sponsors, and set against the plan (pure: no network, no files but those it is given)."""
