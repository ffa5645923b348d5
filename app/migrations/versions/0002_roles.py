"""The product's roles: a BPMN lane names one of them (Chinese name or code).

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROLES = [
    ("intake", "受理登记员", "Intake clerk", False),
    ("mediator", "调解员", "Mediator", False),
    ("agency_head", "机关负责人", "Agency head", False),
    ("justice_admin", "司法局（行调办）", "Justice bureau (mediation office)", True),
    ("petition_officer", "信访工作人员", "Petition officer", False),
    ("review_officer", "复议工作人员", "Administrative review officer", False),
    ("compensation_officer", "补偿经办人", "Compensation officer", False),
    ("supervisor", "督办领导", "Supervisor", True),
    ("designer", "流程设计员", "Process designer", False),
    ("admin", "系统管理员", "Administrator", True),
]


def upgrade() -> None:
    role = sa.table("role", sa.column("code"), sa.column("name"), sa.column("name_en"), sa.column("supervisory"))
    op.bulk_insert(role, [dict(code=c, name=n, name_en=e, supervisory=s) for c, n, e, s in ROLES])


def downgrade() -> None:
    op.execute("DELETE FROM role")
