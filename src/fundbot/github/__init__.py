"""Everything that talks to GitHub: App auth, the client, reading trees, publishing."""
