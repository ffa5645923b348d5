"""Supervision: the 业务指导 scope of an organisation, the due time of the earliest awaited timer kept whatever the
instance's status (a suspended case past its legal limit must still show), and indexes for the case search and the
stuck-case queries.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("supervision_scope_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_organisation_supervision_scope", "organisation", ["supervision_scope_id"], ["id"])
    with op.batch_alter_table("process_instance") as batch:
        batch.add_column(sa.Column("limit_due", UTCDateTime(timezone=True), nullable=True))
        batch.create_index("ix_process_instance_limit_due", ["limit_due"])
        batch.create_index("ix_process_instance_started_at", ["started_at"])
        batch.create_index("ix_process_instance_key_status_started", ["process_key", "status", "started_at"])
    op.execute("UPDATE process_instance SET limit_due = next_timer_due")
    with op.batch_alter_table("task") as batch:
        batch.create_index("ix_task_status_due", ["status", "due_at"])
        batch.create_index("ix_task_due", ["due_at"])  # statistics: deadlines in a period, whatever the status
        batch.create_index("ix_task_process_element", ["process_key", "element_id", "created_at"])  # statistics
    if op.get_bind().dialect.name == "postgresql":  # name prefix search (LIKE '王%') whatever the database collation
        op.create_index("ix_instance_variable_prefix", "instance_variable",
                        ["name", sa.text("value varchar_pattern_ops")])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_instance_variable_prefix", "instance_variable")
    with op.batch_alter_table("task") as batch:
        batch.drop_index("ix_task_process_element")
        batch.drop_index("ix_task_due")
        batch.drop_index("ix_task_status_due")
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_index("ix_process_instance_key_status_started")
        batch.drop_index("ix_process_instance_started_at")
        batch.drop_index("ix_process_instance_limit_due")
        batch.drop_column("limit_due")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_constraint("fk_organisation_supervision_scope", type_="foreignkey")
        batch.drop_column("supervision_scope_id")
