"""The supervisor's stuck-case overview and case search on PostgreSQL with 1 000 000 instances, in process, against
the in-process SpiffWorkflow floor measured in the same run.

The three shipped processes are deployed through the real deploy service; the instances are then bulk-inserted in SQL
(search never restores a workflow, so their state is ''). Rows are numbered in start order over three years, as a real
table grows. A case's status follows its age: of the last ~5 months, 60 % are still running; older ones are mostly
completed, a few stuck (running, in error, suspended). Totals: ~10 % running, ~1 % error, ~0.5 % suspended, ~2 %
cancelled. Running cases hold about 3 open tasks on average (10 % of tasks overdue, 20 % without a due date); 70 % of
unfinished cases have a legal-limit timer (3 % of the running ones past due, half of the suspended/error ones); 10 % of
running mediation and compensation cases await a message; a suspended case's tasks are suspended; every case has one
completed task. Every case has its searchable variables as commands write them (business_key; applicant_name or
enterprise_name, Chinese names; dispute_type or case_source).

Timed as supervisor1 (市司法局: the whole city, 9 organisations) and justice1 (海州区司法局: 海州区, 3 organisations), each
call in its own read-only transaction as the API makes it. p50/p95 over REPETITIONS calls after WARMUP.

An earlier run of this benchmark measured the first version of the queries at 0.35-1.3 s for the overview and several
searches; the fixes it proposed (custom plans, prefix indexes, the stored task_due / open_tasks columns, a count cap of
1 000) are in the code now, and this run times that code.

Run: .venv/bin/python -m bench.supervision_search --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
"""
from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select, text

from app import db
from app.engine import clock
from app.models import Organisation, ProcessDefinition
from bench import common, floor

INSTANCES = 1_000_000
DB_NAME = "jiefen_bench_supervision"
REPETITIONS = 30
WARMUP = 3
SLOW_CALL = 0.3  # seconds: a call slower than this in warm-up is timed 10 times only, to keep the run short
SEEDED_TABLES = ("process_instance", "task", "instance_variable", "message_subscription")
PROCESSES = Path(__file__).resolve().parent.parent / "processes"

# Where cases are handled: mostly the 司法局 and the other departments, a few at the governments themselves.
ORG_SHARES = [("hz_sfj", .25), ("hz_scjg", .10), ("hz", .03), ("ly_sfj", .20), ("ly", .02), ("lyg_sfj", .15),
              ("lyg_xfj", .12), ("lyg_fyjg", .10), ("lyg", .03)]
SURNAMES = "王王王王李李李李张张张张刘刘刘陈陈陈杨杨黄黄赵赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "建国华明丽敏静伟芳军强磊洋勇艳杰娟涛超秀英霞平刚桂兰文辉玲萍红云鹏飞宇浩婷雪琳晨志春海燕"
FIRMS = ["海通", "恒瑞", "康缘", "新海", "港城", "金桥", "东方", "华联", "正大", "天马", "鑫源", "苏海"]
TRADES = ["物流", "化工", "建材", "食品", "医药", "贸易", "置业", "科技", "机械", "纺织"]
TASKS = {  # process -> user tasks a case may wait in: (element id, name, candidate role)
    "mediation": [("review_application", "受理审查（第三十一条）", "intake"), ("decide_acceptance", "受理决定", "agency_head"),
                  ("assign_mediators", "指定调解员", "agency_head"), ("investigate", "调查核实", "mediator"),
                  ("mediation_session", "组织调解", "mediator"), ("coordinate_joint", "跨部门协调化解", "agency_head")],
    "compensation": [("task_verify", "核查补偿申请", "compensation_officer"),
                     ("task_negotiate", "与企业协商补偿", "compensation_officer"),
                     ("task_joint_meeting", "召开联合会商会", "agency_head")],
    "petition_to_review": [("assess_petition", "分类研判", "petition_officer"),
                           ("explain_and_consent", "释法告知并征求同意", "petition_officer"),
                           ("review_acceptance", "受理审查", "review_officer")],
}


def prepare(database: common.Database) -> common.Database:
    """Migrate, seed the demo people, deploy the shipped processes (as `make run` does)."""
    from app import migrate
    from app.demo import people as demo
    from app.services.design import deployments
    common.use(database.url)
    migrate.upgrade(database.url)
    with db.transaction(database.url) as s:
        demo.seed_demo(s)
    for path in sorted(PROCESSES.glob("*.bpmn")):
        with db.transaction(database.url) as s:
            deployments.deploy(s, path.read_bytes(), "bench", filename=path.name)
    database.users = common.load_users(database.url)
    return database


def _sql_array(items) -> str:
    return "ARRAY[" + ",".join("'" + str(i).replace("'", "''") + "'" for i in items) + "]"


def _pick(array_sql: str, length: int, r: str) -> str:
    """Element of a 1-based SQL array chosen by the uniform random column `r`."""
    return f"({array_sql})[1 + floor({r} * {length})::int]"


def _task_field(j: int) -> str:
    """Field j (element id, name, candidate role) of the user task drawn for a case by the random column re2."""
    cases = " ".join(f"WHEN '{key}' THEN {_pick(_sql_array(t[j] for t in tasks), len(tasks), 're2')}"
                     for key, tasks in TASKS.items())
    return f"CASE seed.process_key {cases} END"


def seed(url: str, n: int = INSTANCES) -> dict:
    """Bulk-insert n instances with their tasks, variables and subscriptions, in one transaction; then ANALYZE."""
    with db.transaction(url) as s:
        orgs = dict(s.execute(select(Organisation.code, Organisation.id)).all())
        defs = dict(s.execute(select(ProcessDefinition.key, ProcessDefinition.id)).all())
    now_sql = f"'{clock.now().isoformat()}'::timestamptz"
    org_ids = "(ARRAY[" + ",".join(str(orgs[code]) for code, _ in ORG_SHARES) + "])"
    bounds, acc = [], 0.0
    for _code, share in ORG_SHARES[:-1]:
        acc += share
        bounds.append(f"{acc:.4f}")
    org_bounds = "ARRAY[" + ",".join(bounds) + "]::float8[]"
    surname = _pick(_sql_array(SURNAMES), len(SURNAMES), "rn1")
    given1 = _pick(_sql_array(GIVEN), len(GIVEN), "rn2")
    given2 = _pick(_sql_array(GIVEN), len(GIVEN), "(rn3 * 7919 - floor(rn3 * 7919))")
    firm = _pick(_sql_array(FIRMS), len(FIRMS), "rn1")
    trade = _pick(_sql_array(TRADES), len(TRADES), "rn2")
    steps = [
        ("random draws", "SELECT setseed(0.2026)"),
        ("random draws", f"""
CREATE TEMP TABLE seed ON COMMIT DROP AS
WITH r AS (
  SELECT g AS id, ({n} - g)::float8 / {n} AS age, random() AS rs, random() AS rp, random() AS ro, random() AS rt,
         random() AS rx, random() AS rk, random() AS rm, random() AS rd, random() AS rn1, random() AS rn2,
         random() AS rn3, random() AS re, random() AS rj
  FROM generate_series(1, {n}) g
), s AS (
  SELECT r.*,
    CASE WHEN age < 0.15 THEN CASE WHEN rs < .60 THEN 'running' WHEN rs < .63 THEN 'error'
                                   WHEN rs < .65 THEN 'suspended' WHEN rs < .66 THEN 'cancelled' ELSE 'completed' END
         ELSE CASE WHEN rs < .012 THEN 'running' WHEN rs < .0185 THEN 'error' WHEN rs < .0205 THEN 'suspended'
                   WHEN rs < .0405 THEN 'cancelled' ELSE 'completed' END END AS status,
    CASE WHEN rp < .6 THEN 'mediation' WHEN rp < .85 THEN 'petition_to_review' ELSE 'compensation' END AS process_key,
    {org_ids}[1 + width_bucket(ro, {org_bounds})] AS organisation_id,
    {now_sql} - make_interval(secs => age * 1095 * 86400 + rj * 600) AS started_at
  FROM r
)
SELECT s.*,
  CASE WHEN status IN ('running', 'suspended') THEN
    CASE WHEN rk < .08 THEN 0 WHEN rk < .25 THEN 1 WHEN rk < .45 THEN 2 WHEN rk < .65 THEN 3 WHEN rk < .80 THEN 4
         WHEN rk < .92 THEN 5 ELSE 6 END ELSE 0 END AS ntasks,
  status IN ('running', 'suspended', 'error') AND rt < .7 AS has_limit,
  CASE WHEN status = 'running' AND rx < .03 THEN {now_sql} - make_interval(secs => 660 + rx / .03 * 20 * 86400)
       WHEN status = 'running' THEN {now_sql} + make_interval(secs => rx * 60 * 86400)
       ELSE {now_sql} + make_interval(secs => (rx - .5) * 80 * 86400) END AS due,
  CASE WHEN process_key = 'petition_to_review' THEN {surname} || {given1} || CASE WHEN rn3 < .7 THEN {given2} ELSE '' END
       WHEN process_key = 'compensation' THEN '连云港' || {firm} || {trade} || '有限公司'
       ELSE {surname} || {given1} || CASE WHEN rn3 < .7 THEN {given2} ELSE '' END END AS party,
  CASE WHEN process_key = 'compensation' THEN 'enterprise_name' ELSE 'applicant_name' END AS party_field,
  CASE WHEN process_key = 'mediation' AND rd < .15 THEN '连云港' || {firm} || {trade} || '有限公司' END AS also_enterprise,
  CASE WHEN process_key = 'petition_to_review' THEN 'case_source' ELSE 'dispute_type' END AS kind_field,
  CASE WHEN process_key = 'petition_to_review' THEN (ARRAY['来信', '来访', '网上信访'])[1 + floor(rd * 3)::int]
       WHEN process_key = 'compensation' OR rd < .45 THEN 'administrative' ELSE 'civil' END AS kind,
  CASE WHEN process_key <> 'petition_to_review' AND status = 'running' AND (rm < .10 OR (rk < .08 AND rt >= .7 AND rm >= .05))
       THEN CASE WHEN process_key = 'compensation' AND rm < .05 THEN 'enterprise_litigation' ELSE 'mediation_request' END
  END AS awaits,
  CASE process_key WHEN 'mediation' THEN '调' WHEN 'compensation' THEN '补' ELSE '访复' END
    || '〔' || extract(year FROM started_at AT TIME ZONE 'Asia/Shanghai') || '〕' AS key_prefix
FROM s"""),
        ("process_instance", f"""
INSERT INTO process_instance (id, definition_id, process_key, business_key, status, organisation_id, started_by,
  started_at, updated_at, ended_at, state, version, next_timer_due, limit_due, error_element, error_line,
  error_message, error_task_id, error_at, error_data, awaited_messages, search_values)
SELECT id, CASE process_key WHEN 'mediation' THEN {defs['mediation']} WHEN 'compensation' THEN {defs['compensation']}
                            ELSE {defs['petition_to_review']} END,
  process_key, business_key, status, organisation_id,
  CASE process_key WHEN 'mediation' THEN 'intake1' WHEN 'compensation' THEN 'comp1' ELSE 'petition1' END,
  started_at, COALESCE(ended_at, started_at + ({now_sql} - started_at) * re), ended_at, '', 1 + floor(re * 20)::int,
  CASE WHEN status = 'running' AND has_limit THEN due END, CASE WHEN has_limit THEN due END,
  CASE WHEN status = 'error' THEN 'compute_deadline' END, CASE WHEN status = 'error' THEN 3 END,
  CASE WHEN status = 'error' THEN 'NameError: name ''deadline_days'' is not defined' END,
  CASE WHEN status = 'error' THEN md5(id::text)::uuid::text END,
  CASE WHEN status = 'error' THEN started_at + ({now_sql} - started_at) * re END,
  CASE WHEN status = 'error' THEN jsonb_build_object('business_key', business_key) END,
  CASE WHEN awaits IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(awaits) END,
  jsonb_strip_nulls(jsonb_build_object(party_field, party, kind_field, kind, 'enterprise_name', also_enterprise,
                                       'business_key', business_key))
FROM (
  SELECT seed.*, key_prefix || lpad(k::text, greatest(5, length(k::text)), '0') || '号' AS business_key,
    CASE WHEN status IN ('completed', 'cancelled')
         THEN least(started_at + make_interval(secs => (5 + re * 85) * 86400), {now_sql}) END AS ended_at
  FROM (SELECT seed.*, row_number() OVER (PARTITION BY key_prefix ORDER BY id) AS k FROM seed) seed
) x"""),
        ("process_instance", f"SELECT setval('process_instance_id_seq', {n})"),
        ("task (open)", f"""
INSERT INTO task (id, instance_id, process_key, element_id, name, lane, candidate_role, organisation_id, status, due_at,
                  priority, form_key, created_at)
SELECT md5(seed.id || '/' || i)::uuid::text, seed.id, process_key, {_task_field(0)}, {_task_field(1)}, NULL,
  {_task_field(2)}, organisation_id,
  CASE WHEN status = 'suspended' THEN 'suspended' ELSE 'open' END,
  CASE WHEN rd2 < .2 THEN NULL WHEN rd2 < .3 THEN {now_sql} - make_interval(secs => (rd2 - .2) * 300 * 86400)
       ELSE {now_sql} + make_interval(secs => rd2 * 30 * 86400) END,
  0, process_key || '_' || {_task_field(0)}, started_at + ({now_sql} - started_at) * rd2
FROM (SELECT seed.*, i, random() AS rd2, random() AS re2 FROM seed, generate_series(1, seed.ntasks) i) seed"""),
        ("task (completed)", """
INSERT INTO task (id, instance_id, process_key, element_id, name, candidate_role, organisation_id, status, due_at,
                  priority, form_key, created_at, completed_at, completed_by)
SELECT md5(id || '/done')::uuid::text, id, process_key, 'registered', '登记', 'intake', organisation_id, 'completed',
  started_at + interval '5 days', 0, NULL, started_at, started_at + interval '1 hour', 'intake1'
FROM seed"""),
        ("instance_variable", """
INSERT INTO instance_variable (instance_id, name, value)
SELECT id, 'business_key', business_key FROM process_instance
UNION ALL SELECT id, party_field, party FROM seed
UNION ALL SELECT id, kind_field, kind FROM seed
UNION ALL SELECT id, 'enterprise_name', also_enterprise FROM seed WHERE also_enterprise IS NOT NULL"""),
        ("message_subscription", """
INSERT INTO message_subscription (instance_id, name) SELECT id, awaits FROM seed WHERE awaits IS NOT NULL"""),
        ("process_instance task summary", """
UPDATE process_instance p SET task_due = t.due, open_tasks = t.open FROM (SELECT instance_id, min(due_at) AS due,
  count(*) FILTER (WHERE status = 'open') AS open FROM task WHERE status IN ('open', 'suspended') GROUP BY instance_id) t
WHERE t.instance_id = p.id"""),
    ]
    t0 = time.perf_counter()
    with db.transaction(url) as s:
        conn = s.connection()
        # Bulk load: the rows are consistent by construction, so foreign-key triggers are skipped, and the secondary
        # indexes are rebuilt afterwards from their own definitions (the ones the migrations created).
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        indexes = conn.exec_driver_sql(f"""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid::regclass::text IN ({", ".join(f"'{t}'" for t in SEEDED_TABLES)})
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""").all()
        for name, _definition in indexes:
            conn.exec_driver_sql(f"DROP INDEX {name}")
        for label, sql in steps:
            t = time.perf_counter()
            conn.exec_driver_sql(sql)
            common.log(f"  seed {label}: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        for _name, definition in indexes:
            conn.exec_driver_sql(definition)
        common.log(f"  seed: {len(indexes)} indexes rebuilt in {time.perf_counter() - t:.1f} s")
    with db.get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        t = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        common.log(f"  VACUUM ANALYZE: {time.perf_counter() - t:.1f} s")
    with db.transaction(url, write=False) as s:
        counts = dict(s.execute(text("SELECT status, count(*) FROM process_instance GROUP BY status")).all())
        counts["open tasks"] = s.scalar(text("SELECT count(*) FROM task WHERE status IN ('open', 'suspended')"))
        counts["variables"] = s.scalar(text("SELECT count(*) FROM instance_variable"))
        counts["subscriptions"] = s.scalar(text("SELECT count(*) FROM message_subscription"))
        counts["server"] = (f"PostgreSQL {s.scalar(text('SHOW server_version'))}, shared_buffers "
                            f"{s.scalar(text('SHOW shared_buffers'))}, work_mem {s.scalar(text('SHOW work_mem'))}")
    common.log(f"  seeded in {time.perf_counter() - t0:.0f} s: {counts}")
    return counts


def cases(today: date) -> list[tuple[str, dict | None]]:
    """(label, search filters); None is the overview. Dates relative to today, so every run asks the same question."""
    year = today.year - 1
    return [
        ("督办总览（六类计数） / overview", None),
        ("全部案件第 1 页 / no filter, page 1", {}),
        ("全部案件第 200 页 / no filter, page 200", {"page": 200}),
        ("状态：出错 / status=error", {"status": "error"}),
        ("调解 + 进行中 / process_key + status", {"process_key": "mediation", "status": "running"}),
        *((f"类别：{name} / category={code}", {"category": code}) for code, (name, _en) in _categories().items()),
        ("当事人“王” / name prefix 王", {"name": "王"}),
        ("当事人“王建” / name prefix 王建", {"name": "王建"}),
        (f"案号“调〔{year}〕0012” / business_key prefix", {"business_key": f"调〔{year}〕0012"}),
        ("立案日期一个月 / started range (30 days, a year ago)",
         {"started_from": today - timedelta(days=400), "started_to": today - timedelta(days=371)}),
        ("机构：海州区司法局 / organisation=hz_sfj", {"organisation": "hz_sfj"}),
        ("变量：纠纷类型 = 民事 / variable dispute_type=civil", {"variable": "dispute_type", "value": "civil"}),
        ("调解 + 进行中 + “王” + 近 90 天 / combined", {"process_key": "mediation", "status": "running", "name": "王",
                                                       "started_from": today - timedelta(days=90)}),
        ("调解 + 任务逾期 + 海州区司法局 / combined", {"process_key": "mediation", "category": "overdue_task",
                                                  "organisation": "hz_sfj"}),
    ]


def _categories() -> dict:
    from app.services.supervision.console import CATEGORIES
    return CATEGORIES


def _call(url: str, user, filters: dict | None):
    from app.services.supervision import console as supervision
    with db.transaction(url, write=False) as s:
        if filters is None:
            return supervision.overview(s, user)
        return supervision.search(s, user, **filters)


def measure(url: str, user, filters: dict | None) -> dict:
    """p50/p95 of one query for one user; `found` is the search total, or the overview's six counts added up."""
    warm = [common.timed(_call, url, user, filters)[0] for _ in range(WARMUP)]
    n = REPETITIONS if sorted(warm)[len(warm) // 2] < SLOW_CALL else 10
    samples, result = [], None
    for _ in range(n):
        elapsed, result = common.timed(_call, url, user, filters)
        samples.append(elapsed)
    p50, p95 = common.p50_p95(samples)
    found = (sum(c["total"] for c in result["categories"]) if filters is None
             else f"{result['total']}{'+' if result['total_capped'] else ''}")
    return {"p50": p50, "p95": p95, "n": n, "found": found}


def measure_all(url: str, users: dict, usernames=("supervisor1", "justice1")) -> dict:
    today = clock.today()
    out = {}
    for label, filters in cases(today):
        out[label] = {}
        for username in usernames:
            out[label][username] = m = measure(url, users[username], filters)
            common.log(f"  {label} as {username}: p50 {m['p50']:.1f} ms, p95 {m['p95']:.1f} ms (n={m['n']}, "
                       f"found {m['found']})")
    return out


# ---- report ------------------------------------------------------------------------------------------------------------
def run(pg_server: str) -> dict:
    t0 = time.perf_counter()
    database = prepare(common.fresh_postgres(pg_server, DB_NAME))
    result: dict = {"seconds": {}}
    try:
        common.log("supervision: seeding")
        result["counts"] = seed(database.url)
        result["floor"] = floor.measure(repetitions=300)
        common.log("supervision: timing")
        t = time.perf_counter()
        result["shipped"] = measure_all(database.url, database.users)
        result["seconds"]["timing"] = time.perf_counter() - t
        result["floor_end"] = floor.measure(repetitions=300)
    finally:
        database.drop()
    result["seconds"]["total"] = time.perf_counter() - t0
    return result


def _table(rows: dict, floor_p50: float) -> list[str]:
    lines = ["| query | found (市 / 海州区) | supervisor1 p50 | p95 | ÷ floor | justice1 p50 | p95 | ÷ floor | n |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, by_user in rows.items():
        s, j = by_user["supervisor1"], by_user["justice1"]
        lines.append(f"| {label} | {s['found']} / {j['found']} | {s['p50']:.1f} | {s['p95']:.1f} | "
                     f"{s['p50'] / floor_p50:.0f}× | {j['p50']:.1f} | {j['p95']:.1f} | {j['p50'] / floor_p50:.0f}× | "
                     f"{s['n']} / {j['n']} |")
    return lines


def report(result: dict) -> str:
    counts = result["counts"]
    stock = min(result["floor"]["stock"][0], result["floor_end"]["stock"][0])
    statuses = ("running", "error", "suspended", "cancelled", "completed")
    lines = [
        f"{sum(counts[k] for k in statuses):,} instances ({', '.join(f'{k} {counts[k]:,}' for k in statuses)}); "
        f"{counts['open tasks']:,} open or suspended tasks plus one completed task per case; {counts['variables']:,} "
        f"searchable variables; {counts['subscriptions']:,} message subscriptions. Seeded in SQL over three years "
        "(distributions in the module docstring), then VACUUM ANALYZE. "
        f"{counts['server']}.",
        f"In-process SpiffWorkflow floor (restore + complete + save, stock serializer), same run: p50 {stock:.2f} ms "
        "(the quieter of the measurements before and after).",
        "Each call is one read-only transaction as the API makes it (`supervision.overview` / `supervision.search`, "
        f"page of 20 with its total); p50/p95 in ms over n calls after {WARMUP} warm-up calls (n = {REPETITIONS}, or "
        f"10 for a call slower than {SLOW_CALL * 1000:.0f} ms); found is the total shown (for the overview, its six "
        "counts added up). supervisor1 (市司法局) sees the whole city, justice1 "
        "(海州区司法局) 海州区. One pooled connection serves every call, so psycopg prepares a repeated statement and "
        "PostgreSQL may switch it to a generic plan, as in a long-running server.", "",
        *_table(result["shipped"], stock)]
    seconds = result["seconds"]
    lines += ["", f"Wall time {seconds['total']:.0f} s; timing {seconds['timing']:.0f} s."]
    return "\n".join(lines)


START, END = "<!-- supervision-search:start -->", "<!-- supervision-search:end -->"
TITLE = "Supervisor's overview and case search, 1 000 000 instances on PostgreSQL (`make bench-supervision`)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", required=True)
    args = parser.parse_args()
    text_block = report(run(args.pg))
    common.record_section(START, END, TITLE, text_block)
    print(text_block)


if __name__ == "__main__":
    main()
