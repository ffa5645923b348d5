"""The supervisor's repairs, one case at a time or in a batch. Every repair needs a reason and is audited by the
command it runs; each checks first, in the command's own transaction, that the case lies in the supervisor's scope
(`supervision.permissions`). A batch acts on the exact list of instance ids its preview showed (and the user
confirmed by count), never on a filter evaluated again."""
from __future__ import annotations

from sqlalchemy import select

from app import db
from app.engine import clock
from app.i18n import N_, Text
from app.models import ProcessDefinition, ProcessInstance, Task, User
from app.services.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound, ServiceError
from app.services.people import access
from app.services.people.accounts import user_by_username
from app.services.runtime import instances
from app.services.runtime.unit_of_work import UnitOfWork, run
from app.services.supervision import console as supervision, variables
from app.services.supervision.permissions import in_scope, scoped_instance
from app.vocabulary import OPEN_STATUSES, PENDING_TASK_STATES, InstanceStatus

BATCH_MAX = 500
_CHOICES = N_("可选：{choices}")
BATCH_OPERATIONS = {  # code -> (中文, statuses it applies to)
    "retry": ("重试", {InstanceStatus.ERROR}),
    "suspend": ("挂起", {InstanceStatus.RUNNING, InstanceStatus.ERROR}),
    "resume": ("恢复", {InstanceStatus.SUSPENDED}),
    "cancel": ("撤销", set(OPEN_STATUSES)),
    "reassign": ("改派", set(OPEN_STATUSES)),
}


def retry(instance_id: int, user: User, reason: str, expected_version: int | None = None) -> dict:
    stripped = reason.strip() if isinstance(reason, str) else reason  # audited as require_reason returns it
    return instances.retry(instance_id, user, stripped, expected_version, check=_scoped(user, instance_id, reason))


def suspend(instance_id: int, user: User, reason: str, expected_version: int | None = None) -> dict:
    return instances.suspend(instance_id, user, reason, expected_version, check=in_scope(user, instance_id))


def resume(instance_id: int, user: User, reason: str, expected_version: int | None = None) -> dict:
    return instances.resume(instance_id, user, reason, expected_version, check=in_scope(user, instance_id))


def cancel(instance_id: int, user: User, reason: str, expected_version: int | None = None) -> dict:
    return instances.cancel(instance_id, user, reason, expected_version, check=in_scope(user, instance_id))


def set_variables(instance_id: int, user: User, changes, reason: str, expected_version: int | None = None,
                  raw: bool = False) -> dict:
    """Each change must be a field of the case's forms and pass that field's rule; `raw` (unchecked JSON, any
    variable) is for administrators only."""
    if not raw:
        return _save(instance_id, user, variables.checked(_forms(user, instance_id), changes), reason, expected_version)
    if not variables.may_edit_raw(user):
        raise Forbidden(N_("只有系统管理员可以直接以 JSON 修改变量"))
    return _save(instance_id, user, changes, reason, expected_version)


def set_fields(instance_id: int, user: User, inputs: dict[str, list[str]], reason: str,
               expected_version: int | None = None) -> dict:
    """The page's 修改变量 form: only the fields the supervisor changed, as typed (see `variables.from_inputs`)."""
    forms = _forms(user, instance_id)
    return _save(instance_id, user, variables.checked(forms, variables.from_inputs(forms, inputs)), reason,
                 expected_version)


def _save(instance_id: int, user: User, changes, reason: str, expected_version: int | None) -> dict:
    return instances.set_variables(instance_id, user, changes, reason, expected_version,
                                   check=in_scope(user, instance_id))


def reset(instance_id: int, user: User, element_id: str, reason: str, expected_version: int | None = None) -> dict:
    return instances.reset(instance_id, user, element_id, reason, expected_version, check=in_scope(user, instance_id))


def reassign(task_id: str, user: User, username: str | None, reason: str, instance_id: int | None = None) -> dict:
    """Hand an open task to someone who holds its role in its organisation (or take it back to the pool with an
    empty username). With `instance_id`, the task must belong to that case."""
    reason = instances.require_reason(reason)

    def act(uow: UnitOfWork) -> dict:
        session = uow.session
        query = select(Task).where(Task.id == str(task_id))
        task = session.scalar(query.with_for_update() if db.is_postgres(session) else query)
        if task is None or instance_id is not None and task.instance_id != instance_id:
            raise NotFound(N_("任务不存在或不属于此案件"))
        scoped_instance(session, user, task.instance_id)
        if task.status not in PENDING_TASK_STATES:
            raise Conflict(N_("任务已办结或已取消，不能改派"), code=ErrorCode.TASK_NOT_OPEN)
        target = user_by_username(session, username) if username else None
        if target is not None and target.username not in {u["username"] for u in access.eligible_holders(session, task)}:
            raise Conflict(N_("{name} 不具备此任务所需的角色或不在办理机构"), name=target.display_name,
                           code=ErrorCode.ASSIGNEE_NOT_ELIGIBLE)
        before = task.assignee_id
        task.assignee_id = target.id if target else None
        uow.audit(user.username, "reassign", task.instance_id, task.id,
                  {"reason": reason, "before": before, "after": task.assignee_id,
                   "after_username": target.username if target else None})
        return {"task_id": task.id, "assignee": target.username if target else None}
    return run(act)


def _forms(user: User, instance_id: int) -> dict:
    """The forms deployed with the case's version (read after the scope check, so nothing leaks)."""
    with db.transaction(write=False) as session:
        return session.get(ProcessDefinition, scoped_instance(session, user, instance_id).definition_id).forms or {}


def _scoped(user: User, instance_id: int, reason: str):
    """A retry from the supervisor needs a reason too (checked after the scope, before the case is locked)."""
    def check(session) -> None:
        scoped_instance(session, user, instance_id)
        instances.require_reason(reason)
    return check


# ---- batches -------------------------------------------------------------------------------------------------------
def batch_preview(user: User, operation: str, filters: dict) -> dict:
    """The exact cases a batch would act on, with whether the operation applies to each."""
    label, statuses = _operation(operation)
    with db.transaction(write=False) as session:
        query = supervision.filtered_query(session, user, **filters)
        rows = session.scalars(query.order_by(ProcessInstance.id).limit(BATCH_MAX + 1)).all()
        if len(rows) > BATCH_MAX:
            raise Invalid(N_("筛选出的案件超过 {limit} 件，请缩小筛选范围后再批量{operation}"), limit=BATCH_MAX,
                          operation=Text(label), code=ErrorCode.BATCH_TOO_LARGE)
        items = supervision.listing(session, rows)
    for item in items:
        item["applicable"] = item["status"] in statuses
    return {"operation": operation, "operation_name": label, "count": len(items),
            "instance_ids": [i["id"] for i in items], "items": items, "as_of": clock.now()}


def batch_execute(user: User, operation: str, instance_ids: list[int], confirm_count: int, reason: str,
                  username: str | None = None) -> dict:
    """Run one operation on each listed case, each in its own transaction; one failure does not stop the rest."""
    label, _statuses = _operation(operation)
    reason = instances.require_reason(reason)
    ids = list(dict.fromkeys(instance_ids))
    if not ids:
        raise Invalid(N_("请先预览并选择要处理的案件"), fields={"instance_ids": N_("不能为空")})
    if len(ids) > BATCH_MAX:
        raise Invalid(N_("一次最多批量处理 {limit} 件"), limit=BATCH_MAX,
                      fields={"instance_ids": Text(N_("最多 {limit} 件"), limit=BATCH_MAX)})
    if confirm_count != len(ids):
        raise Invalid(N_("确认数量（{confirmed}）与列表中的案件数（{count}）不一致，请重新预览"), confirmed=confirm_count,
                      count=len(ids), fields={"confirm_count": Text(N_("应为 {count}"), count=len(ids))},
                      code=ErrorCode.COUNT_MISMATCH)
    if operation == "reassign" and not username:
        raise Invalid(N_("批量改派请填写接收人"), fields={"username": N_("此项为必填项")})
    with db.transaction(write=False) as session:
        scope = access.supervision_org_ids(session, user)
        outside = [i for i, org in session.execute(select(ProcessInstance.id, ProcessInstance.organisation_id)
                                                   .where(ProcessInstance.id.in_(ids))) if org not in scope]
        found = set(session.scalars(select(ProcessInstance.id).where(ProcessInstance.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if outside or missing:
        raise NotFound(N_("以下案件不存在或不在您的督办范围内：{ids}"), ids=", ".join(map(str, outside + missing)))
    results = []
    for instance_id in ids:
        try:
            _run_one(operation, instance_id, user, reason, username)
            results.append({"id": instance_id, "ok": True, "message": N_("已{operation}").format(operation=label)})
        except ServiceError as err:
            results.append({"id": instance_id, "ok": False, "message": err.message})
    run(lambda uow: uow.audit(user.username, "batch", None, None,
                              {"operation": operation, "reason": reason, "instance_ids": ids, "username": username,
                               "succeeded": [r["id"] for r in results if r["ok"]]}))
    return {"operation": operation, "count": len(ids), "succeeded": sum(r["ok"] for r in results), "results": results}


def _run_one(operation: str, instance_id: int, user: User, reason: str, username: str | None) -> None:
    if operation == "reassign":
        with db.transaction(write=False) as session:
            task_ids = list(session.scalars(select(Task.id).where(Task.instance_id == instance_id,
                                                                  Task.status.in_(PENDING_TASK_STATES))))
        if not task_ids:
            raise Conflict(N_("该案件没有待办任务"))
        for task_id in task_ids:
            reassign(task_id, user, username, reason)
        return
    {"retry": instances.retry, "suspend": instances.suspend, "resume": instances.resume,
     "cancel": instances.cancel}[operation](instance_id, user, reason)


def _operation(operation: str) -> tuple[str, set]:
    if operation not in BATCH_OPERATIONS:
        raise Invalid(N_("不支持的批量操作：{operation}"), operation=operation,
                      fields={"operation": Text(_CHOICES, choices="、".join(BATCH_OPERATIONS))})
    return BATCH_OPERATIONS[operation]
