"""Identity and permissions: users and organisations (`accounts`), signing in (`sessions`), and who may see and act
on what (`access`)."""
