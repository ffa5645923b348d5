"""督办: stuck-case detection, case search and the case view for supervisors, and the repairs they make."""
