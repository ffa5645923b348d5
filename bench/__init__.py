"""Performance benchmark (`make bench`): the in-process SpiffWorkflow floor versus the real service path on SQLite
and PostgreSQL. Entry point: `python -m bench.run --pg postgresql+psycopg://...`; results go to bench/RESULTS.md."""
