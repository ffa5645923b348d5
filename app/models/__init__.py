"""SQLAlchemy tables. Import every model module here so metadata is complete for Alembic."""
from app.models.base import Base
from app.models.people import ApiToken, Organisation, Role, User, UserRole
from app.models.process import ProcessDefinition, ProcessInstance
from app.models.task import Task
from app.models.audit import AuditEvent
from app.models.message import Message, MessageSubscription
from app.models.variable import InstanceVariable
from app.models.settings import Setting, WorkdayOverride
from app.models.collab import Attachment, Comment, SavedFilter
from app.models.design import DesignDraft, ProcessScenario

__all__ = [
    "Base", "ApiToken", "Organisation", "Role", "User", "UserRole", "ProcessDefinition", "ProcessInstance", "Task",
    "AuditEvent", "Message", "MessageSubscription", "InstanceVariable", "Setting", "WorkdayOverride",
    "Attachment", "Comment", "SavedFilter", "DesignDraft", "ProcessScenario",
]
