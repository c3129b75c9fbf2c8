"""publish: idempotent writes of the bot's texts to GitHub, found by hidden marker."""
