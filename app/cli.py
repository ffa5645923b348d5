"""`jiefen` command line: database, deployment, demo data, worker, timers, and the all-in-one `serve`."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click

from app import config, db, i18n, migrate
from app.i18n import N_, Text
from app.services.design import deployments
from app.demo import people as demo
from app.demo import cases as demo_cases
from app.services.runtime import timers
from app.services.errors import ServiceError

_ = i18n.translator(os.environ.get("JIEFEN_LANG", i18n.DEFAULT_LANGUAGE))


def say(template: str, err: bool = False, **params) -> None:
    """Print a message template in the CLI's language (JIEFEN_LANG, Chinese unless set to en)."""
    click.echo(Text(template, **params).render(_), err=err)


def _message(err: ServiceError) -> str:
    return err.render(_)["message"]


@click.group(help=_(N_("解纷 Jiefen 命令行")))
def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one line per task state change drowns the operator's view


@main.group("db", help=_(N_("数据库")))
def db_group() -> None:
    pass


@db_group.command("upgrade", help=_(N_("创建或升级数据库结构")))
def db_upgrade() -> None:
    migrate.upgrade()
    say(N_("数据库已是最新结构：{url}"), url=_safe_url())


@main.command(help=_(N_("校验并部署流程文件")))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor", default="cli", help=_(N_("记录为部署人")))
def deploy(files: tuple[Path, ...], actor: str) -> None:
    failed = False
    for path in files:
        try:
            result = deployments.deploy_file(path, actor)
            d = result.definition
            say(N_("{file}: {key} v{version} — 新版本") if result.created
                else N_("{file}: {key} v{version} — 内容未变，未生成新版本"), file=path.name, key=d.key, version=d.version)
        except ServiceError as err:
            failed = True
            click.echo(f"{path.name}: {_message(err)}", err=True)
            _echo_problems(err.details)
    if failed:
        sys.exit(1)


@main.command("test-process", help=_(N_("校验流程并运行其情景测试（不写数据库）")))
@click.argument("target")
@click.option("--scenario", "scenario_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=_(N_("只运行这些情景文件（默认：processes/scenarios/<流程>/*.json 与设计器中保存的情景）")))
def test_process(target: str, scenario_files: tuple[Path, ...]) -> None:
    from app.services.design import scenarios
    from app.services.admin import settings
    path = Path(target) if target.endswith(".bpmn") else config.PROCESSES_DIR / f"{target}.bpmn"
    if not path.is_file():
        say(N_("找不到流程文件：{path}"), err=True, path=path)
        sys.exit(2)
    with db.transaction(write=False) as session:
        settings.refresh_calendar(session, force=True)
        parsed, used_forms, problems = deployments.check(session, path.read_bytes(), filename=path.name)
        if not problems:  # the shipped scenario files and those designers attached in the designer
            files = (scenarios.load_paths(list(scenario_files)) if scenario_files
                     else scenarios.load_all(session, parsed.process_key))
    if problems:
        say(N_("{file}: 未通过校验，共 {count} 处问题"), err=True, file=path.name, count=len(problems))
        _echo_problems([p.as_dict() for p in problems])
        sys.exit(1)
    if not files:
        say(N_("流程 {key} 没有情景文件（{folder}）"), err=True, key=parsed.process_key,
            folder=scenarios.scenario_dir(parsed.process_key))
        sys.exit(1)
    results = scenarios.run_all(parsed, used_forms, files)
    for r in results:
        mark = _(N_("通过")) if r["passed"] else _(N_("失败"))
        stored = _(N_("（设计器保存）")) + " " if r.get("source") == "stored" else ""
        click.echo(f"[{mark}] {stored}{r['file']} {r['name']}" + ("" if r["passed"] else f"\n    {r['message']}"))
    failed = sum(not r["passed"] for r in results)
    say(N_("{key}: {passed}/{total} 个情景通过"), key=parsed.process_key, passed=len(results) - failed, total=len(results))
    if failed:
        sys.exit(1)


def _echo_problems(problems: list[dict]) -> None:
    for p in i18n.render(problems, _):
        where = " ".join(x for x in (Text(N_("元素 {id}"), id=p["element_id"]).render(_) if p.get("element_id") else "",
                                     Text(N_("第 {x} 行"), x=p["line"]).render(_) if p.get("line") else "",
                                     p.get("file") or "") if x)
        click.echo(f"  - [{where}] {p['message']}", err=True)


@main.command("seed-demo", help=_(N_("写入演示机构和用户（密码 jiefen-demo）")))
def seed_demo() -> None:
    try:
        created = demo.seed()
    except ServiceError as err:
        click.echo(_message(err), err=True)
        sys.exit(1)
    say(N_("演示数据就绪：新增机构 {organisations} 个，用户 {users} 个，案件 {cases} 件"),
        organisations=created["organisations"], users=created["users"], cases=demo_cases.seed_demo_cases())


@main.command(help=_(N_("后台任务：定时器与消息")))
@click.option("--once", is_flag=True, help=_(N_("只运行一轮")))
@click.option("--interval", default=1.0, show_default=True, help=_(N_("轮询间隔（秒）")))
def worker(once: bool, interval: float) -> None:
    from app import worker as worker_module
    if once:
        click.echo(json.dumps(worker_module.run_once()))
    else:
        worker_module.run_forever(interval)


@main.group("timers", help=_(N_("定时器")))
def timers_group() -> None:
    pass


@timers_group.command("run", help=_(N_("按指定时间触发到期定时器")))
@click.option("--as-of", "as_of", required=True, help=_(N_("按此时间触发（ISO 时间，仅测试和演示）")))
def timers_run(as_of: str) -> None:
    if not config.time_travel_allowed():
        say(N_("拒绝：时间穿越仅用于测试和演示，需设置 JIEFEN_ALLOW_TIME_TRAVEL=1"), err=True)
        sys.exit(2)
    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        say(N_("时间格式不正确：{value}（示例 2026-12-31T09:00:00+08:00）"), err=True, value=as_of)
        sys.exit(2)
    from app.engine import clock
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.BEIJING)
    say(N_("已触发 {count} 个案件的定时器"), count=timers.tick_due(as_of=moment))


@main.group("calendar", help=_(N_("工作日日历")))
def calendar_group() -> None:
    pass


@calendar_group.command("set", help=_(N_("登记某日为工作日（调休）或休息日")))
@click.argument("day")
@click.argument("kind", type=click.Choice(["workday", "off"]))
@click.option("--note", default="", help=_(N_("说明，如“2027 年春节”")))
def calendar_set(day: str, kind: str, note: str) -> None:
    from app.services.admin import configure
    try:
        configure.set_workday(day, kind == "workday", note, "cli")
    except ValueError as err:
        click.echo(str(err), err=True)
        sys.exit(2)
    say(N_("{day}：已登记为工作日") if kind == "workday" else N_("{day}：已登记为休息日"), day=day)


@calendar_group.command("show", help=_(N_("列出某年的数据来源和登记的调整日")))
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    from app.engine.workdays import calendar
    from app.services.admin import settings
    with db.transaction(write=False) as session:
        settings.refresh_calendar(session, force=True)
    source = calendar.years_covered([year])[year]
    click.echo(f"{year}: {source}")
    for day, is_workday in sorted(calendar.overrides().items()):
        if day.year == year:
            click.echo("  " + Text(N_("{day} 工作日") if is_workday else N_("{day} 休息日"), day=day.isoformat()).render(_))


@main.group("limits", help=_(N_("办理期限配置")))
def limits_group() -> None:
    pass


@limits_group.command("set", help=_(N_("修改期限（只影响此后新发起的案件）")))
@click.argument("process_key")
@click.argument("name")
@click.argument("value", type=int)
def limits_set(process_key: str, name: str, value: int) -> None:
    from app.services.admin import configure
    try:
        configure.set_time_limit(process_key, name, value, "cli")
    except ServiceError as err:
        click.echo(_message(err), err=True)
        sys.exit(2)
    click.echo(f"{process_key}.{name} = {value}")


@main.command(help=_(N_("启动网页服务和后台 worker；Ctrl-C 同时停止")))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--web-workers", default=2, show_default=True)
def serve(host: str, port: int, web_workers: int) -> None:
    bindir = Path(sys.executable).parent
    web = subprocess.Popen([str(bindir / "gunicorn"), "-w", str(web_workers), "-b", f"{host}:{port}",
                            "--access-logfile", "-", "app.wsgi:create_app()"])
    work = subprocess.Popen([str(bindir / "jiefen"), "worker"])
    say(N_("解纷 Jiefen 已启动：http://{host}:{port}  （Ctrl-C 停止）"), host=host, port=port)

    def stop(_signum=None, _frame=None):
        for proc in (web, work):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while web.poll() is None and work.poll() is None:
            try:
                web.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    finally:
        stop()
        for proc in (web, work):
            proc.wait()


def _safe_url() -> str:
    url = config.database_url()
    return url.split("@")[-1] if "@" in url else url


if __name__ == "__main__":
    main()
