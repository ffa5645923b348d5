"""Identity and permissions: users, tokens and login, and who may see and act on what."""
