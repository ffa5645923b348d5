"""`jiefen` command line: database, deployment, demo data, worker, timers, and the all-in-one `serve`."""
from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click

from app import config, db, migrate
from app.services.design import deployments
from app.demo import people as demo
from app.demo import cases as demo_cases
from app.services.runtime import timers
from app.services.errors import ServiceError


@click.group()
def main() -> None:
    """解纷 Jiefen 命令行 / command line."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one line per task state change drowns the operator's view


@main.group("db")
def db_group() -> None:
    """数据库 / database."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """创建或升级数据库结构 / create or migrate the schema."""
    migrate.upgrade()
    click.echo(f"数据库已是最新结构 / schema up to date: {_safe_url()}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor", default="cli", help="记录为部署人 / recorded as deployer")
def deploy(files: tuple[Path, ...], actor: str) -> None:
    """校验并部署流程文件 / validate and deploy BPMN files."""
    failed = False
    for path in files:
        try:
            result = deployments.deploy_file(path, actor)
            d = result.definition
            state = "新版本 / new version" if result.created else "内容未变，未生成新版本 / unchanged"
            click.echo(f"{path.name}: {d.key} v{d.version} — {state}")
        except ServiceError as err:
            failed = True
            click.echo(f"{path.name}: {err.message}", err=True)
            _echo_problems(err.details)
    if failed:
        sys.exit(1)


@main.command("test-process")
@click.argument("target")
@click.option("--scenario", "scenario_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="只运行这些情景文件（默认：processes/scenarios/<流程>/*.json 与设计器中保存的情景） / run only these scenario files")
def test_process(target: str, scenario_files: tuple[Path, ...]) -> None:
    """校验流程并运行其情景测试（不写数据库） / validate a process and run its scenarios (nothing is stored)."""
    from app.services.design import scenarios
    from app.services.admin import settings
    path = Path(target) if target.endswith(".bpmn") else config.PROCESSES_DIR / f"{target}.bpmn"
    if not path.is_file():
        click.echo(f"找不到流程文件：{path} / no such BPMN file", err=True)
        sys.exit(2)
    with db.transaction(write=False) as session:
        settings.refresh_calendar(session, force=True)
        parsed, used_forms, problems = deployments.check(session, path.read_bytes(), filename=path.name)
        if not problems:  # the shipped scenario files and those designers attached in the designer
            files = (scenarios.load_paths(list(scenario_files)) if scenario_files
                     else scenarios.load_all(session, parsed.process_key))
    if problems:
        click.echo(f"{path.name}: 未通过校验，共 {len(problems)} 处问题 / validation failed", err=True)
        _echo_problems([p.as_dict() for p in problems])
        sys.exit(1)
    if not files:
        click.echo(f"流程 {parsed.process_key} 没有情景文件（{scenarios.scenario_dir(parsed.process_key)}） / no scenarios", err=True)
        sys.exit(1)
    results = scenarios.run_all(parsed, used_forms, files)
    for r in results:
        mark = "通过 PASS" if r["passed"] else "失败 FAIL"
        stored = "（设计器保存） " if r.get("source") == "stored" else ""
        click.echo(f"[{mark}] {stored}{r['file']} {r['name']}" + ("" if r["passed"] else f"\n    {r['message']}"))
    failed = sum(not r["passed"] for r in results)
    click.echo(f"{parsed.process_key}: {len(results) - failed}/{len(results)} 个情景通过 / scenarios passed")
    if failed:
        sys.exit(1)


def _echo_problems(problems: list[dict]) -> None:
    for p in problems:
        where = " ".join(x for x in (f"元素 {p['element_id']}" if p.get("element_id") else "",
                                     f"第 {p['line']} 行" if p.get("line") else "", p.get("file") or "") if x)
        click.echo(f"  - [{where}] {p['message']}", err=True)


@main.command("seed-demo")
def seed_demo() -> None:
    """写入演示机构和用户（密码 jiefen-demo） / demo organisations and users."""
    try:
        created = demo.seed()
    except ServiceError as err:
        click.echo(err.message, err=True)
        sys.exit(1)
    cases = demo_cases.seed_demo_cases()
    click.echo(f"演示数据就绪：新增机构 {created['organisations']} 个，用户 {created['users']} 个，"
               f"案件 {cases} 件 / demo data ready")


@main.command()
@click.option("--once", is_flag=True, help="只运行一轮 / run one round and exit")
@click.option("--interval", default=1.0, show_default=True, help="轮询间隔（秒） / seconds between rounds")
def worker(once: bool, interval: float) -> None:
    """后台任务：定时器与消息 / fire timers and deliver messages."""
    from app import worker as worker_module
    if once:
        click.echo(json.dumps(worker_module.run_once()))
    else:
        worker_module.run_forever(interval)


@main.group("timers")
def timers_group() -> None:
    """定时器 / timers."""


@timers_group.command("run")
@click.option("--as-of", "as_of", required=True, help="按此时间触发（ISO 时间，仅测试和演示） / tick as if it were this time")
def timers_run(as_of: str) -> None:
    """按指定时间触发到期定时器 / fire the timers due at a given time."""
    if not config.time_travel_allowed():
        click.echo("拒绝：时间穿越仅用于测试和演示，需设置 JIEFEN_ALLOW_TIME_TRAVEL=1 / refused without JIEFEN_ALLOW_TIME_TRAVEL=1", err=True)
        sys.exit(2)
    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        click.echo(f"时间格式不正确：{as_of}（示例 2026-12-31T09:00:00+08:00） / invalid ISO time", err=True)
        sys.exit(2)
    from app.engine import clock
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.BEIJING)
    click.echo(f"已触发 {timers.tick_due(as_of=moment)} 个案件的定时器 / instances ticked")


@main.group("calendar")
def calendar_group() -> None:
    """工作日日历 / the working-day calendar."""


@calendar_group.command("set")
@click.argument("day")
@click.argument("kind", type=click.Choice(["workday", "off"]))
@click.option("--note", default="", help="说明，如“2027 年春节” / note")
def calendar_set(day: str, kind: str, note: str) -> None:
    """登记某日为工作日（调休）或休息日 / mark a day as a working day or a day off."""
    from app.services.admin import configure
    try:
        configure.set_workday(day, kind == "workday", note, "cli")
    except ValueError as err:
        click.echo(str(err), err=True)
        sys.exit(2)
    click.echo(f"{day}：{'工作日' if kind == 'workday' else '休息日'} / saved")


@calendar_group.command("show")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    """列出某年的数据来源和登记的调整日 / where a year's calendar comes from."""
    from app.engine.workdays import calendar
    from app.services.admin import settings
    with db.transaction(write=False) as session:
        settings.refresh_calendar(session, force=True)
    source = calendar.years_covered([year])[year]
    click.echo(f"{year}: {source}")
    for day, is_workday in sorted(calendar.overrides().items()):
        if day.year == year:
            click.echo(f"  {day.isoformat()} {'工作日' if is_workday else '休息日'}")


@main.group("limits")
def limits_group() -> None:
    """办理期限配置 / time limits."""


@limits_group.command("set")
@click.argument("process_key")
@click.argument("name")
@click.argument("value", type=int)
def limits_set(process_key: str, name: str, value: int) -> None:
    """修改期限（只影响此后新发起的案件） / change a time limit for new cases."""
    from app.services.admin import configure
    try:
        configure.set_time_limit(process_key, name, value, "cli")
    except ServiceError as err:
        click.echo(err.message, err=True)
        sys.exit(2)
    click.echo(f"{process_key}.{name} = {value}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--web-workers", default=2, show_default=True)
def serve(host: str, port: int, web_workers: int) -> None:
    """启动网页服务和后台 worker；Ctrl-C 同时停止 / web server and worker together."""
    bindir = Path(sys.executable).parent
    web = subprocess.Popen([str(bindir / "gunicorn"), "-w", str(web_workers), "-b", f"{host}:{port}",
                            "--access-logfile", "-", "app.wsgi:create_app()"])
    work = subprocess.Popen([str(bindir / "jiefen"), "worker"])
    click.echo(f"解纷 Jiefen 已启动：http://{host}:{port}  （Ctrl-C 停止） / running")

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
