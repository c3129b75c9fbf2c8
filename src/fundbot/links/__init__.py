"""links: pure reading of funding URLs, platforms, FUNDING.yml and funding.json."""
