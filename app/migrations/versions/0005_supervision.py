"""Supervision: the 业务指导 scope of an organisation, the due time of the earliest awaited timer kept whatever the
instance's status (a suspended case past its legal limit must still show), and indexes for the case search and the
stuck-case queries.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime

STALLED = "status = 'running' AND next_timer_due IS NULL AND open_tasks = 0"

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
        batch.add_column(sa.Column("task_due", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("open_tasks", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_process_instance_task_due", ["task_due"])
        batch.create_index("ix_process_instance_limit_due", ["limit_due"])
        batch.create_index("ix_process_instance_started_at", ["started_at"])
        batch.create_index("ix_process_instance_key_status_started", ["process_key", "status", "started_at"])
    op.execute("UPDATE process_instance SET limit_due = next_timer_due, "
               "open_tasks = (SELECT count(*) FROM task WHERE task.instance_id = process_instance.id AND task.status = 'open'), "
               "task_due = (SELECT min(due_at) FROM task WHERE task.instance_id = process_instance.id "
               "AND task.status IN ('open', 'suspended'))")
    op.create_index("ix_process_instance_stalled", "process_instance", ["organisation_id"],
                    postgresql_where=sa.text(STALLED), sqlite_where=sa.text(STALLED))
    with op.batch_alter_table("task") as batch:
        batch.create_index("ix_task_status_due", ["status", "due_at"])
        batch.create_index("ix_task_due", ["due_at"])  # statistics: deadlines in a period, whatever the status
        batch.create_index("ix_task_process_element", ["process_key", "element_id", "created_at"])  # statistics
    if op.get_bind().dialect.name == "postgresql":  # prefix searches (LIKE '王%') whatever the database collation
        op.execute("CREATE INDEX ix_instance_variable_prefix ON instance_variable "
                   "(name, value varchar_pattern_ops) INCLUDE (instance_id)")
        op.execute("CREATE INDEX ix_process_instance_business_key_prefix ON process_instance "
                   "(business_key varchar_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_process_instance_business_key_prefix", "process_instance")
        op.drop_index("ix_instance_variable_prefix", "instance_variable")
    op.drop_index("ix_process_instance_stalled", "process_instance")
    with op.batch_alter_table("task") as batch:
        batch.drop_index("ix_task_process_element")
        batch.drop_index("ix_task_due")
        batch.drop_index("ix_task_status_due")
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_index("ix_process_instance_key_status_started")
        batch.drop_index("ix_process_instance_started_at")
        batch.drop_index("ix_process_instance_limit_due")
        batch.drop_index("ix_process_instance_task_due")
        batch.drop_column("open_tasks")
        batch.drop_column("task_due")
        batch.drop_column("limit_due")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_constraint("fk_organisation_supervision_scope", type_="foreignkey")
        batch.drop_column("supervision_scope_id")
