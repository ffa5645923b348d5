"""Demo organisations and users for 连云港市 (password `jiefen-demo`). Idempotent; refused in production."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import config
from app.i18n import N_
from app.models import Organisation, User
from app.services.people import accounts as people
from app.services.errors import Forbidden
from app.services.runtime import unit_of_work
from app.vocabulary import RoleCode

PASSWORD = "jiefen-demo"

ORGANISATIONS = [  # code, name, English name, kind, parent code
    ("lyg", "连云港市", "Lianyungang City", "city", None),
    ("lyg_sfj", "连云港市司法局", "Lianyungang Justice Bureau", "department", "lyg"),
    ("lyg_xfj", "连云港市信访局", "Lianyungang Petitions Bureau", "department", "lyg"),
    ("lyg_fyjg", "连云港市人民政府行政复议机构", "Lianyungang Administrative Review Office", "department", "lyg"),
    ("hz", "海州区", "Haizhou District", "district", "lyg"),
    ("hz_sfj", "海州区司法局", "Haizhou Justice Bureau", "department", "hz"),
    ("hz_scjg", "海州区市场监督管理局", "Haizhou Market Regulation Bureau", "department", "hz"),
    ("ly", "连云区", "Lianyun District", "district", "lyg"),
    ("ly_sfj", "连云区司法局", "Lianyun Justice Bureau", "department", "ly"),
]

SUPERVISION_SCOPES = {"lyg_sfj": "lyg", "hz_sfj": "hz", "ly_sfj": "ly"}  # 司法局 → the area it gives 业务指导 to

USERS = [  # username, display name, organisation code, roles
    ("admin", "系统管理员", "lyg", list(RoleCode)),
    ("intake1", "王登记", "hz_sfj", ["intake"]),
    ("mediator1", "李调解", "hz_sfj", ["mediator"]),
    ("mediator2", "赵调解", "hz_sfj", ["mediator"]),
    ("head1", "陈局长", "hz_sfj", ["agency_head"]),
    ("justice1", "周行调", "hz_sfj", ["justice_admin"]),
    ("mediator_ly", "吴调解", "ly_sfj", ["mediator"]),
    ("intake_ly", "褚登记", "ly_sfj", ["intake"]),
    ("petition1", "孙信访", "lyg_xfj", ["petition_officer"]),
    ("review1", "钱复议", "lyg_fyjg", ["review_officer"]),
    ("comp1", "郑补偿", "hz_scjg", ["compensation_officer"]),
    ("head_scjg", "冯局长", "hz_scjg", ["agency_head"]),
    ("supervisor1", "刘督办", "lyg_sfj", ["supervisor"]),
    ("designer1", "杨设计", "lyg_sfj", ["designer"]),
    ("mediator_city", "许调解", "lyg_sfj", ["mediator"]),
    ("intake_city", "卫登记", "lyg_sfj", ["intake"]),
    ("head_city", "何局长", "lyg_sfj", ["agency_head"]),
    ("justice_city", "吕行调", "lyg_sfj", ["justice_admin"]),
    ("head_lyg", "施市长", "lyg", ["agency_head"]),
    ("head_hz", "张区长", "hz", ["agency_head"]),
    ("head_ly", "孔区长", "ly", ["agency_head"]),
    ("head_lysfj", "曹局长", "ly_sfj", ["agency_head"]),
]


def seed() -> dict:
    """The demo organisations and users, as one unit of work (the command line's seed-demo)."""
    return unit_of_work.run(lambda uow: seed_demo(uow.session))


def seed_demo(session: Session) -> dict:
    if config.environment() == "production":
        raise Forbidden(N_("生产环境禁止写入演示数据"))
    orgs = {o.code: o for o in session.scalars(select(Organisation))}
    created_orgs = 0
    for code, name, name_en, kind, parent in ORGANISATIONS:
        if code not in orgs:
            org = Organisation(code=code, name=name, name_en=name_en, kind=kind,
                               parent_id=orgs[parent].id if parent else None)
            session.add(org)
            session.flush()
            orgs[code] = org
            created_orgs += 1
    for bureau, area in SUPERVISION_SCOPES.items():
        if orgs[bureau].supervision_scope_id is None:
            orgs[bureau].supervision_scope_id = orgs[area].id
    existing = set(session.scalars(select(User.username)))
    created_users = 0
    for username, display, org_code, roles in USERS:
        if username not in existing:
            people.create_user(session, username, display, PASSWORD, orgs[org_code], roles)
            created_users += 1
    return {"organisations": created_orgs, "users": created_users}
