"""Running cases: start, complete, claim, messages, timers, and the one unit of work every change runs in."""
