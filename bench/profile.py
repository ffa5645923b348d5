"""Where a service complete spends its time (not part of `make bench`):
`python -m bench.profile [--pg URL] [-n 200]` (SQLite without --pg). On n completes at the middle of bench_seq10 it
prints (1) a phase breakdown (inclusive wall time of the service's steps, via thin timing wrappers), (2) the SQL
round trips one complete makes, by statement kind, and (3) a cProfile of another n completes."""
from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import importlib
import pstats
import time

from sqlalchemy import event

from bench import bpmn, common

PHASES = [  # (object, attribute, label); indentation in the label shows nesting
    ("app.services.runtime.tasks", "complete", "tasks.complete (whole call)"),
    ("app.db", "transaction", "  db.transaction enter+exit (checkout, pre-ping, BEGIN, COMMIT, close)"),
    ("app.services.runtime.timers", "tick_if_due", "  timers.tick_if_due"),
    ("app.services.admin.settings", "refresh_calendar", "  settings.refresh_calendar"),
    ("app.services.runtime.tasks", "_task", "  _task (SELECT task)"),
    ("app.services.runtime.permissions", "require_task_access", "  require_task_access"),
    ("app.services.runtime.commands", "lock_instance", "  commands.lock_instance (SELECT … FOR UPDATE)"),
    ("sqlalchemy.orm.Session", "refresh", "  session.refresh(task)"),
    ("app.services.runtime.tasks", "_form", "  _form (SELECT forms)"),
    ("app.services.runtime.tasks", "validate_submission", "  validate_submission (marshmallow)"),
    ("app.services.runtime.commands", "restore", "  commands.restore (JSON → workflow)"),
    ("app.engine.runtime.Runtime", "complete", "  Runtime.complete (task.run)"),
    ("app.engine.runtime.Runtime", "step", "  Runtime.step (engine steps)"),
    ("app.services.runtime.commands", "save", "  commands.save"),
    ("app.engine.runtime.Runtime", "current_data", "    Runtime.current_data"),
    ("app.services.runtime.commands", "_project_tasks", "    _project_tasks (SELECT open tasks, INSERT new)"),
    ("app.engine.runtime.Runtime", "dump", "    Runtime.dump (workflow → JSON)"),
    ("app.engine.runtime.Runtime", "next_timer_due", "    Runtime.next_timer_due"),
    ("app.services.runtime.commands", "_sync_search_values", "    _sync_search_values"),
    ("app.services.runtime.commands", "audit", "    commands.audit"),
    ("sqlalchemy.orm.Session", "flush", "    session.flush (incl. autoflush; UPDATE instance, task; INSERT audit)"),
    ("app.services.runtime.tasks", "instance_summary", "  instance_summary (SELECT open tasks, definition)"),
    ("sqlalchemy.orm.Session", "commit", "  session.commit"),
]


def _resolve(path: str):
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(path)


class Phases:
    """Wrap each phase in a perf_counter timer (a few µs of overhead per call)."""

    def __init__(self):
        self.spent, self.calls, self.undo = collections.Counter(), collections.Counter(), []

    def install(self):
        for path, attr, label in PHASES:
            owner = _resolve(path)
            original = getattr(owner, attr, None)
            if original is None:  # app/ changes under us; a vanished phase is reported as absent
                continue
            self.undo.append((owner, attr, original))
            setattr(owner, attr, self._wrap(original, label, is_cm=(attr == "transaction")))

    def remove(self):
        for owner, attr, original in reversed(self.undo):
            setattr(owner, attr, original)

    def _wrap(self, fn, label, is_cm=False):
        spent, calls = self.spent, self.calls
        if is_cm:  # time the context manager's own enter and exit, not the body
            import contextlib

            @contextlib.contextmanager
            def cm(*args, **kwargs):
                read_only = not kwargs.get("write", True)
                label_ = label.replace("db.transaction", "db.transaction(write=False)") if read_only else label
                t0 = time.perf_counter()
                inner = fn(*args, **kwargs)
                value = inner.__enter__()
                spent[label_] += time.perf_counter() - t0
                calls[label_] += 1
                try:
                    yield value
                except BaseException as err:
                    if not inner.__exit__(type(err), err, err.__traceback__):
                        raise
                else:
                    t1 = time.perf_counter()
                    inner.__exit__(None, None, None)
                    spent[label_] += time.perf_counter() - t1
            return cm

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t0
                calls[label] += 1
        return wrapper

    def report(self, n):
        print(f"\nphase breakdown, mean ms per complete (inclusive; n={n}):")
        labels = [label for _path, _attr, label in PHASES]
        labels.insert(1, labels[1].replace("db.transaction", "db.transaction(write=False)"))
        for label in labels:
            if self.calls[label]:
                print(f"  {label:78s} {self.spent[label] / n * 1000:7.3f}  ({self.calls[label] / n:.1f} calls)")


def _advance(users, n):
    from app.services.runtime import instances
    from app.services.runtime import tasks
    user = users["mediator1"]
    ids = []
    for _ in range(n):
        task_id = instances.start("bench_seq10", user, {})["open_tasks"][0]["id"]
        for _ in range(5):
            task_id = tasks.complete(task_id, user, dict(bpmn.FORM_DATA))["open_tasks"][0]["id"]
        ids.append(task_id)
    return ids


def _complete_all(users, ids):
    from app.services.runtime import tasks
    t0 = time.perf_counter()
    for task_id in ids:
        tasks.complete(task_id, users["mediator1"], dict(bpmn.FORM_DATA))
    return time.perf_counter() - t0


def _sql_census(url, users, ids):
    """Statements per complete by kind, timed from cursor execute to its return (one round trip each)."""
    from app import db
    engine = db.get_engine(url)
    spent, count, started = collections.Counter(), collections.Counter(), {}

    def before(conn, cursor, statement, params, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, params, context, executemany):
        words = statement.split()
        kind = " ".join(words[:3]) if words[0] in ("INSERT", "UPDATE", "DELETE") else \
            f"SELECT … FROM {words[words.index('FROM') + 1]}" if "FROM" in words else words[0]
        spent[kind] += time.perf_counter() - started.pop(id(cursor))
        count[kind] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    wall = _complete_all(users, ids)
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    n = len(ids)
    print(f"\nSQL: {wall / n * 1000:.2f} ms per complete; {sum(count.values()) / n:.1f} statements per complete "
          f"({sum(spent.values()) / n * 1000:.2f} ms in cursor.execute), plus pool pre-ping, BEGIN, COMMIT:")
    for kind, seconds in spent.most_common():
        print(f"  {kind:60s} {count[kind] / n:4.1f}×  {seconds / n * 1000:6.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL server URL (uses database jiefen_bench); SQLite when absent")
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    database = common.fresh_postgres(args.pg) if args.pg else common.fresh_sqlite()
    n = args.n
    try:
        common.prepare(database)
        print(f"{database.kind}: advancing {3 * n + 20} bench_seq10 instances to the middle", flush=True)
        ids = _advance(database.users, 3 * n + 20)
        _complete_all(database.users, ids[:20])  # warm-up
        ids = ids[20:]
        print(f"plain: {_complete_all(database.users, ids[:n]) / n * 1000:.2f} ms per complete")
        phases = Phases()
        phases.install()
        wall = _complete_all(database.users, ids[n:2 * n])
        phases.remove()
        print(f"with phase timers: {wall / n * 1000:.2f} ms per complete")
        phases.report(n)
        _sql_census(database.url, database.users, ids[2 * n:2 * n + n // 2])
        profiler = cProfile.Profile()
        user = database.users["mediator1"]
        from app.services.runtime import tasks
        profiler.enable()
        for task_id in ids[2 * n + n // 2:]:
            tasks.complete(task_id, user, dict(bpmn.FORM_DATA))
        profiler.disable()
        stats = pstats.Stats(profiler)
        print(f"\ncProfile of {len(ids) - 2 * n - n // 2} completes, by own time:")
        stats.sort_stats("tottime").print_stats(20)
    finally:
        from app import db
        db.dispose_all()
        database.drop()


if __name__ == "__main__":
    main()
