"""Drive a real case through the services as the people the tasks are meant for, and look at what happened."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from app import db
from app.engine import clock
from app.models import Organisation, ProcessDefinition, ProcessInstance, Task, User
from app.services.runtime import permissions
from app.services.runtime import commands
from app.services.runtime import instances
from app.services.runtime import messages
from app.services.runtime import tasks
from app.services.runtime import timers


def eligible_users(task: Task) -> list[User]:
    """Seeded users (not admin) who may act on the task by role × organisation."""
    with db.transaction(write=False) as s:
        users = [u for u in s.scalars(select(User).order_by(User.username)) if u.username != "admin"]
        return [u for u in users if permissions.can_act_on_task(s, u, task)]


def org_code(org_id: int | None) -> str | None:
    with db.transaction(write=False) as s:
        return s.scalar(select(Organisation.code).where(Organisation.id == org_id))


class Case:
    """One instance: start it, complete its tasks as their proper users, tick its timers, read its state."""

    def __init__(self, process_key: str, starter: User, data: dict, business_key: str | None = None):
        self.summary = instances.start(process_key, starter, data, business_key=business_key)
        self.id = self.summary["id"]

    @classmethod
    def of(cls, instance_id: int) -> "Case":
        case = cls.__new__(cls)
        case.id = instance_id
        return case

    # ---- acting ----
    def task(self, element_id: str) -> Task:
        found = [t for t in self.open_tasks() if t.element_id == element_id]
        assert found, f"{element_id} is not open; open: {[t.element_id for t in self.open_tasks()]} (status {self.status})"
        return found[0]

    def complete(self, element_id: str, data: dict | None = None, as_user: User | None = None) -> dict:
        task = self.task(element_id)
        user = as_user or self.user_for(task)
        return tasks.complete(task.id, user, data or {})

    def user_for(self, task: Task) -> User:
        users = eligible_users(task)
        assert users, f"nobody may act on {task.element_id} (role {task.candidate_role}, org {org_code(task.organisation_id)})"
        return users[0]

    def tick(self, as_of: datetime) -> int:
        return timers.tick_due(as_of=as_of)

    def send(self, name: str, payload: dict, actor: User) -> dict:
        return messages.send(name, {"business_key": self.business_key}, payload, actor)

    # ---- reading ----
    @property
    def instance(self) -> ProcessInstance:
        with db.transaction(write=False) as s:
            return s.get(ProcessInstance, self.id)

    @property
    def status(self) -> str:
        return self.instance.status

    @property
    def business_key(self) -> str:
        return self.instance.business_key

    @property
    def variables(self) -> dict:
        with db.transaction(write=False) as s:
            return commands.restore(s, s.get(ProcessInstance, self.id)).current_data()

    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks() if t.status == "open"]

    def tasks(self) -> list[Task]:
        with db.transaction(write=False) as s:
            return list(s.scalars(select(Task).where(Task.instance_id == self.id).order_by(Task.created_at, Task.id)))

    def path(self) -> list[str]:
        """Element ids of the user tasks completed, in order."""
        return [t.element_id for t in sorted(self.tasks(), key=lambda t: t.completed_at or clock.now())
                if t.status == "completed"]

    def form(self, form_key: str) -> dict:
        with db.transaction(write=False) as s:
            forms = s.scalar(select(ProcessDefinition.forms).where(ProcessDefinition.id == self.instance.definition_id))
        return forms[form_key]


class Eligible:
    """eligible_users() is role × organisation: cached per (role, organisation, assignee) for long random walks."""

    def __init__(self):
        self.cache = {}

    def __call__(self, task):
        key = (task.candidate_role, task.organisation_id, task.assignee_id)
        if key not in self.cache:
            self.cache[key] = eligible_users(task)
        return self.cache[key]


def end_events(instance_id: int) -> set[str]:
    """The end events an instance has reached (its own and its subprocesses')."""
    with db.transaction(write=False) as s:
        rt = commands.restore(s, s.get(ProcessInstance, instance_id))
    return {t.task_spec.bpmn_id for t in rt.wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)}
