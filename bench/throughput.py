"""Throughput: N worker processes (spawned, so each has its own engine, spec cache and connection pool) complete
disjoint sets of tasks through tasks.complete. Each worker takes whole bench_seq10 instances and completes their 10
tasks in order, so the timed work covers positions 0–9 evenly (the same average state size as the middle).
Wall time runs from a barrier every worker and the parent pass (after each worker's warm-up) to the last result.
Also recorded: the workers' own CPU time per completion and how busy the whole machine was (/proc/stat), which
tell whether the rate is bound by CPU (ours, PostgreSQL's, or a neighbour's) or by waiting."""
from __future__ import annotations

import multiprocessing as mp
import os
import time

from bench import bpmn
from bench.common import cpu_ticks, log


def _complete_chains(user, first_task_ids: list[str]) -> int:
    from app.services.runtime import tasks
    done = 0
    for task_id in first_task_ids:
        while task_id is not None:
            summary = tasks.complete(task_id, user, dict(bpmn.FORM_DATA))
            done += 1
            task_id = summary["open_tasks"][0]["id"] if summary["open_tasks"] else None
    return done


def _worker(url: str, warmup_ids: list[str], work_ids: list[str], barrier, results) -> None:
    os.environ["DATABASE_URL"] = url
    from bench.common import load_users
    user = load_users(url)["mediator1"]
    _complete_chains(user, warmup_ids)          # parse the spec, fill the pool and the statement caches
    barrier.wait()
    cpu = time.process_time()
    done = _complete_chains(user, work_ids)
    results.put((done, time.process_time() - cpu))


def measure(users: dict, url: str, processes: int = 2, instances_per_process: int = 150, warmup: int = 2) -> dict:
    from app.services.runtime import instances
    user = users["mediator1"]
    total = processes * (instances_per_process + warmup)
    log(f"  throughput: starting {total} instances for {processes} worker processes")
    firsts = [instances.start("bench_seq10", user, {})["open_tasks"][0]["id"] for _ in range(total)]
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(processes + 1), ctx.Queue()
    workers = []
    for p in range(processes):
        mine = firsts[p::processes]
        workers.append(ctx.Process(target=_worker, args=(url, mine[:warmup], mine[warmup:], barrier, results)))
    for w in workers:
        w.start()
    barrier.wait(timeout=300)
    t0, ticks0 = time.perf_counter(), cpu_ticks()
    reports = [results.get(timeout=600) for _ in workers]
    wall, ticks1 = time.perf_counter() - t0, cpu_ticks()
    completed, client_cpu = sum(r[0] for r in reports), sum(r[1] for r in reports)
    busy = (ticks1["busy"] - ticks0["busy"]) / max(1, ticks1["total"] - ticks0["total"])
    for w in workers:
        w.join()
        assert w.exitcode == 0, f"worker exited with {w.exitcode}"
    assert completed == processes * instances_per_process * 10
    log(f"  throughput: {completed} completions in {wall:.2f} s = {completed / wall:.0f}/s with {processes} "
        f"process(es); machine CPU {busy:.0%} busy; client CPU {client_cpu / completed * 1000:.2f} ms per completion")
    return {"processes": processes, "completions": completed, "seconds": wall, "per_second": completed / wall,
            "machine_busy": busy, "client_cpu_ms": client_cpu / completed * 1000}
