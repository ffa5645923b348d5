"""Task rows carry their process key; the inbox index also covers the assignee (index-only counts).

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("process_key", sa.String(100), nullable=True))
    op.execute("UPDATE task SET process_key = (SELECT process_key FROM process_instance WHERE process_instance.id = task.instance_id)")
    with op.batch_alter_table("task") as batch:
        batch.alter_column("process_key", existing_type=sa.String(100), nullable=False)
        batch.drop_index("ix_task_inbox")
        batch.create_index("ix_task_inbox", ["status", "candidate_role", "organisation_id", "due_at", "assignee_id"])


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_index("ix_task_inbox")
        batch.create_index("ix_task_inbox", ["status", "candidate_role", "organisation_id", "due_at"])
        batch.drop_column("process_key")
