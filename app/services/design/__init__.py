"""流程设计: deploying definitions, drafts, comparing versions, migrating running cases, scenarios."""
