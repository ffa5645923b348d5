"""Demo data for `make run` and the tests: organisations, users and a few cases. Never part of a production
database: every entry point refuses JIEFEN_ENV=production."""
