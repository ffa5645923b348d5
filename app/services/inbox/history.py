"""A case's history as sentences a clerk reads — "王登记 于 12月3日 10:05 提交了 受理审查" — with people by their
display names, steps by their names on the diagram and times in Beijing time. Each audit action has its own Chinese
template (a catalogue msgid), so the English page says the same through the catalogue. Names are looked up once per
page, never per row."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.engine import clock
from app.i18n import N_, Text
from app.models import ProcessInstance
from app.services.inbox import worklist as inbox
from app.services.people import accounts as people
from app.services.runtime import commands

SYSTEM = "system"  # the actor of timers and of messages from outside
SENTENCE = N_("{who} 于 {at} {did}")
ACTIONS = {  # audit action -> what was done; {task}/{element}: a step's name, {target}: a person's name
    "start": N_("发起了案件"),
    "complete": N_("提交了 {task}"),
    "claim": N_("签收了 {task}"),
    "unclaim": N_("退回了 {task} 的签收"),
    "assign": N_("将 {task} 指派给 {target}"),
    "reassign": N_("将 {task} 改派给 {target}"),
    "suspend": N_("挂起了案件"),
    "resume": N_("恢复办理案件"),
    "cancel": N_("撤销了案件"),
    "retry": N_("重试了出错的环节 {element}"),
    "set_variables": N_("修改了案件数据"),
    "reset": N_("将案件回退到 {element}"),
    "migrate": N_("将案件从第 {from_version} 版流程迁移到第 {to_version} 版"),
    "timer": N_("因期限届满推进了案件"),
    "message": N_("收到消息并推进了案件"),
    "comment": N_("在 {task} 添加了意见"),
    "attach": N_("在 {task} 上传了材料 {filename}"),
}
RETURNED_TO_GROUP = N_("将 {task} 退回组内待签收")  # a reassign without a receiver
TIMER_FAILED = N_("处理到期期限时出错")
OTHER = N_("进行了其他操作")
SYSTEM_NAME = N_("系统")
SOMEONE = N_("组内人员")


def when(value: datetime) -> Text:
    """An instant as a clerk writes it, in Beijing time: 12月3日 10:05 (with the year when it is not this year)."""
    local = value.astimezone(clock.BEIJING)
    time = local.strftime("%H:%M")
    if local.year != clock.today().year:
        return Text(N_("{year}年{month}月{day}日 {time}"), year=local.year, month=local.month, day=local.day, time=time)
    return Text(N_("{month}月{day}日 {time}"), month=local.month, day=local.day, time=time)


def case_history(session: Session, inst: ProcessInstance, usernames: set = frozenset()) -> dict:
    """The case's history entries (oldest first), its comments and materials with their authors' names, and
    `names`: display names of everyone on the page (the history's people and the extra `usernames` the page shows)."""
    raw = inbox.history(session, inst.id)
    events, tasks = raw["events"], {t["id"]: t for t in raw["tasks"]}
    ids = {e["detail"].get("after") for e in events if e["action"] in ("assign", "reassign")}
    names = people.display_names(session, {e["actor"] for e in events} | {c["author"] for c in raw["comments"]}
                                 | {a["uploaded_by"] for a in raw["attachments"]}
                                 | {t["completed_by"] for t in raw["tasks"]} | set(usernames), ids)
    steps = commands.parsed_definition(session, inst.definition_id).element_names
    entries = [entry(e, tasks, steps, names) for e in events]
    comments = [{**c, "author_name": names.get(c["author"], c["author"]), "task": _task_name(c["task_id"], tasks)}
                for c in raw["comments"]]
    files = [{**a, "uploaded_by_name": names.get(a["uploaded_by"], a["uploaded_by"])} for a in raw["attachments"]]
    return {"entries": entries, "comments": comments, "attachments": files, "names": names}


def entry(event: dict, tasks: dict, steps: dict, names: dict) -> dict:
    """One audit event as a sentence (`text`), with its parts for tables: who, when, what was done, and the reason
    or incident it carries."""
    detail = event["detail"] or {}
    who = Text(SYSTEM_NAME) if event["actor"] == SYSTEM else names.get(event["actor"], event["actor"])
    did = _did(event["action"], detail, _task_name(event["task_id"], tasks) or steps.get(detail.get("task"), ""),
               steps, names)
    at = when(event["at"])
    return {"at": event["at"], "who": who, "did": did, "text": Text(SENTENCE, who=who, at=at, did=did),
            "action": event["action"], "reason": detail.get("reason"), "incident": detail.get("incident"),
            "detail": detail}


def _did(action: str, detail: dict, task: str, steps: dict, names: dict) -> Text:
    if action == "timer" and detail.get("failed"):
        return Text(TIMER_FAILED)
    if action == "reassign" and not detail.get("after"):
        return Text(RETURNED_TO_GROUP, task=task)
    if action not in ACTIONS:
        return Text(OTHER)
    element = detail.get("element") or (detail.get("previous_error") or {}).get("element")
    after = detail.get("after")  # a reassignment's new holder; a variable change keeps its values there
    return Text(ACTIONS[action], task=task, element=steps.get(element, element or ""),
                target=(names.get(after) if isinstance(after, (str, int)) else None) or Text(SOMEONE), filename=detail.get("filename", ""),
                from_version=detail.get("from_version", ""), to_version=detail.get("to_version", ""))


def _task_name(task_id: str | None, tasks: dict) -> str:
    return tasks[task_id]["name"] if task_id in tasks else ""
