"""What administrators configure: the working-day calendar and the configured time limits."""
