"""The words the platform stores and compares, defined once: instance statuses, task states, message statuses and
role codes, with their Chinese labels (English in the catalogue) and the groups the rules use. They are `StrEnum`s,
so a member equals its stored string: columns, SQL and JSON keep the plain words. Imports nothing but `app.i18n`,
so every layer (the pages too, which may not import the models) uses it."""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


class InstanceStatus(StrEnum):
    RUNNING = "running"
    ERROR = "error"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


INSTANCE_STATUS_LABELS = {
    InstanceStatus.RUNNING: N_("办理中"), InstanceStatus.COMPLETED: N_("已办结"), InstanceStatus.ERROR: N_("出错"),
    InstanceStatus.SUSPENDED: N_("已挂起"), InstanceStatus.CANCELLED: N_("已撤销"),
}
# Not ended: the case can still move, be repaired, migrated or cancelled, and its timers and subscriptions count.
OPEN_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, InstanceStatus.ERROR)


class TaskState(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"  # its case is suspended
    COMPLETED = "completed"
    CANCELLED = "cancelled"


TASK_STATE_LABELS = {TaskState.OPEN: N_("待办"), TaskState.SUSPENDED: N_("已挂起"), TaskState.COMPLETED: N_("已办"),
                     TaskState.CANCELLED: N_("已取消")}
PENDING_TASK_STATES = (TaskState.OPEN, TaskState.SUSPENDED)  # not done yet: shown on the case, counted as waiting


class MessageStatus(StrEnum):
    PENDING = "pending"  # in the outbox, or sent and not delivered yet
    DELIVERED = "delivered"
    UNMATCHED = "unmatched"  # nobody waited for it and no process starts with it


class RoleCode(StrEnum):
    """The product's roles (rows of the `role` table, migration 0002); a BPMN lane names one of them."""
    INTAKE = "intake"
    MEDIATOR = "mediator"
    AGENCY_HEAD = "agency_head"
    JUSTICE_ADMIN = "justice_admin"
    PETITION_OFFICER = "petition_officer"
    REVIEW_OFFICER = "review_officer"
    COMPENSATION_OFFICER = "compensation_officer"
    SUPERVISOR = "supervisor"
    DESIGNER = "designer"
    ADMIN = "admin"


ROLE_LABELS = {
    RoleCode.INTAKE: N_("受理登记员"), RoleCode.MEDIATOR: N_("调解员"), RoleCode.AGENCY_HEAD: N_("机关负责人"),
    RoleCode.JUSTICE_ADMIN: N_("司法局（行调办）"), RoleCode.PETITION_OFFICER: N_("信访工作人员"),
    RoleCode.REVIEW_OFFICER: N_("复议工作人员"), RoleCode.COMPENSATION_OFFICER: N_("补偿经办人"),
    RoleCode.SUPERVISOR: N_("督办领导"), RoleCode.DESIGNER: N_("流程设计员"), RoleCode.ADMIN: N_("系统管理员"),
}
ASSIGNERS = frozenset({RoleCode.AGENCY_HEAD, RoleCode.SUPERVISOR, RoleCode.ADMIN})  # hand tasks out, release others'
DESIGNERS = frozenset({RoleCode.DESIGNER, RoleCode.ADMIN})  # read, edit, deploy and migrate processes
SUPERVISORS = frozenset({RoleCode.SUPERVISOR, RoleCode.JUSTICE_ADMIN, RoleCode.ADMIN})  # the supervision console


def status_label(status: str | None) -> str:
    """The Chinese label of an instance status (a catalogue msgid); an unknown word is shown as it is."""
    return INSTANCE_STATUS_LABELS.get(status) or status or ""


def task_state_label(state: str | None) -> str:
    """The Chinese label of a task state (a catalogue msgid); an unknown word is shown as it is."""
    return TASK_STATE_LABELS.get(state) or state or ""


def role_label(code: str | None) -> str:
    """The Chinese name of a role (a catalogue msgid); an unknown code is shown as it is."""
    return ROLE_LABELS.get(code) or code or ""
