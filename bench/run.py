"""`make bench`: every measurement in one run, on fresh databases, written to bench/RESULTS.md and printed.

Sizes are picked to finish in well under 10 minutes on a 2-core VM; SQLite timers run last and only if time allows.
Progress goes to stderr, the report to stdout and bench/RESULTS.md."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sqlite3
import subprocess
import time
from importlib.metadata import version
from pathlib import Path

from bench import common, floor, service, throughput, timers

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SIZES = {"latency_n": 300, "loop_instances": 9, "loop_steps": 200, "throughput_instances": 150,
         "single_process_instances": 60, "timers": 10_000}
BUDGET_SECONDS = 600


def _kept_http_section() -> str:
    """`make bench-http` and `make bench-supervision` record their own sections; a run of this benchmark keeps them."""
    from bench import http_inbox, supervision_search
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    kept = ""
    for start, end in ((http_inbox.START, http_inbox.END), (supervision_search.START, supervision_search.END)):
        if start in old and end in old:
            kept += "\n" + old[old.index(start):old.index(end) + len(end)] + "\n"
    return kept


def revision() -> str:
    """The code measured: HEAD plus any uncommitted changes under app/ (other people edit it concurrently)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "app"], cwd=root, capture_output=True,
                               text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    changed = [line[3:] for line in dirty if line.strip()]
    return head + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")


def machine(pg_server: str) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    return {"CPU": cpu, "cores": os.cpu_count(), "Python": platform.python_version(),
            "SpiffWorkflow": version("SpiffWorkflow"), "SQLAlchemy": version("SQLAlchemy"),
            "SQLite": sqlite3.sqlite_version, "PostgreSQL": common.postgres_version(pg_server),
            "psycopg": version("psycopg"), "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "app revision": revision(), "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg())}


class PhaseLog:
    """Per phase: wall time, the CPU this process and its children used, how busy the whole machine was (/proc/stat,
    steal included), and a CPU-speed probe (p50 of 100 raw-floor repetitions) at its start and end. On a shared VM
    this says which figures were disturbed: a neighbour shows as machine CPU beyond ours (in a PostgreSQL phase the
    gap also holds the server's work) or as steal; a busy sibling on the physical core shows only as a slower probe."""

    def __init__(self, t_start: float):
        self.t_start, self.rows, self._open = t_start, [], None
        self._floor = floor.variants()["stock"]

    def _probe(self) -> float:
        samples = []
        for i in range(110):
            elapsed = common.timed(self._floor)[0]
            if i >= 10:
                samples.append(elapsed)
        return common.p50_p95(samples)[0]

    @staticmethod
    def _own_cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def begin(self, key: str, title: str) -> None:
        self.end()
        probe = self._probe()
        self._open = (key, time.perf_counter(), self._own_cpu(), common.cpu_ticks(), probe)
        common.log(f"[{time.perf_counter() - self.t_start:4.0f} s] {title}")

    def end(self) -> None:
        if self._open is None:
            return
        key, t0, own0, ticks0, probe0 = self._open
        wall, ticks, own = time.perf_counter() - t0, common.cpu_ticks(), self._own_cpu()
        cores = os.cpu_count() / max(1, ticks["total"] - ticks0["total"])
        self.rows.append({"phase": key, "wall": wall, "own": (own - own0) / wall,
                          "machine": (ticks["busy"] - ticks0["busy"]) * cores,
                          "steal": (ticks["steal"] - ticks0["steal"]) * cores, "probe": (probe0, self._probe())})
        self._open = None


def run(pg_server: str) -> tuple[dict, dict]:
    t_start = time.perf_counter()
    info = machine(pg_server)
    r: dict = {"sizes": SIZES}
    phases = PhaseLog(t_start)
    r["phases"] = phases.rows
    phase = phases.begin

    phase("floor", "floor: SpiffWorkflow in process, no database")
    r["floor_start"] = floor.measure()
    sqlite_db = pg_db = None
    try:
        phase("sqlite", "SQLite: fresh database, start and complete")
        sqlite_db = common.prepare(common.fresh_sqlite())
        r["sqlite"] = service.start_and_complete(sqlite_db.users, SIZES["latency_n"])
        phase("sqlite_loop", "SQLite: bounded loop")
        r["sqlite_loop"] = service.loop_growth(sqlite_db.users, SIZES["loop_instances"], SIZES["loop_steps"])

        phase("pg", "PostgreSQL: fresh database, start and complete")
        pg_db = common.prepare(common.fresh_postgres(pg_server))
        r["pg"] = service.start_and_complete(pg_db.users, SIZES["latency_n"])
        phase("pg_loop", "PostgreSQL: bounded loop")
        r["pg_loop"] = service.loop_growth(pg_db.users, SIZES["loop_instances"], SIZES["loop_steps"])
        phase("throughput_1", "PostgreSQL: throughput, 1 process")
        r["throughput_1"] = throughput.measure(pg_db.users, pg_db.url, 1, SIZES["single_process_instances"])
        phase("throughput_2", "PostgreSQL: throughput, 2 processes")
        r["throughput_2"] = throughput.measure(pg_db.users, pg_db.url, 2, SIZES["throughput_instances"])
        phase("pg_timers", "PostgreSQL: timers")
        r["pg_timers"] = timers.measure(pg_db.users, SIZES["timers"])

        left = BUDGET_SECONDS - (time.perf_counter() - t_start)
        estimate = r["pg_timers"]["seconds"] * 1.2 + 10
        if left > estimate:
            common.use(sqlite_db.url)
            phase("sqlite_timers", f"SQLite: timers ({left:.0f} s of budget left)")
            r["sqlite_timers"] = timers.measure(sqlite_db.users, SIZES["timers"])
        else:
            common.log(f"SQLite timers skipped: {left:.0f} s of budget left, about {estimate:.0f} s needed")
            r["sqlite_timers"] = None
        phase("floor_end", "floor again (a neighbour's burst during the first one would skew every ratio)")
        r["floor_end"] = floor.measure()
        r["floor"] = min(r["floor_start"], r["floor_end"], key=lambda f: f["stock"][0])
        phases.end()
    finally:
        from app import db
        db.dispose_all()
        for database in (pg_db, sqlite_db):
            if database is not None:
                database.drop()
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["benchmark wall time"] = f"{time.perf_counter() - t_start:.0f} s"
    return info, r


# ---- report ----------------------------------------------------------------------------------------------------------
def _ms(pair) -> str:
    return f"{pair[0]:.2f} | {pair[1]:.2f}"


def _ratio(pair, ref) -> str:
    return f"{pair[0] / ref[0]:.1f}× | {pair[1] / ref[1]:.1f}×"


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(info: dict, r: dict) -> str:
    fa, fb, fc = r["floor"]["stock"], r["floor"]["ours"], r["floor"]["runtime"]
    s = SIZES
    out = ["# Jiefen benchmark results", "",
           "Produced by `make bench` (`python -m bench.run --pg …`); every figure below comes from that one run.",
           "Latencies are p50 | p95 in milliseconds (time.perf_counter, after warm-up). Ratios divide p50 by p50 "
           "and p95 by p95.", "", "## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in info.items()]
    out += ["", "Conditions by phase. CPU in cores (of " + str(info["cores"]) + "): what this benchmark process and its "
            "children used, and how busy the whole machine was (steal = time the hypervisor gave to other VMs). "
            "Speed probe: p50 of 100 raw-floor repetitions (ms) as the phase began and ended; on a quiet host it is "
            "about 1.2 ms, and a higher value means the host's CPU was slower for everything measured then.", "",
            "| phase | wall | this process + children | whole machine | of which steal | speed probe start → end |",
            "|---|---|---|---|---|---|"]
    out += [f"| {p['phase']} | {p['wall']:.0f} s | {p['own']:.2f} | {p['machine']:.2f} | {p['steal']:.2f} | "
            f"{p['probe'][0]:.2f} → {p['probe'][1]:.2f} |" for p in r["phases"]]

    thr, thr1 = r["throughput_2"], r["throughput_1"]
    complete_ratio = {k: r[k]["complete"][0] / r[k]["floor"][0] for k in ("sqlite", "pg")}
    loop_ratio = {k: r[k]["points"][s["loop_steps"]][0] / r[k]["points"][1][0] for k in ("sqlite_loop", "pg_loop")}
    out += ["", "## Targets", "", "| target | measured | |", "|---|---|---|",
            f"| service complete ≤ 3× the raw floor (p50, floor timed alongside) | SQLite "
            f"{complete_ratio['sqlite']:.1f}×, PostgreSQL {complete_ratio['pg']:.1f}× | "
            f"{_met(max(complete_ratio.values()) <= 3)} |",
            f"| ≥ 300 completions/s on PostgreSQL, 2 processes | {thr['per_second']:.0f}/s | "
            f"{_met(thr['per_second'] >= 300)} |",
            f"| loop step {s['loop_steps']} ≤ 1.5× step 1 (p50) | SQLite {loop_ratio['sqlite_loop']:.1f}×, "
            f"PostgreSQL {loop_ratio['pg_loop']:.1f}× | {_met(max(loop_ratio.values()) <= 1.5)} |",
            f"| {s['timers']:,} due timers < 60 s (PostgreSQL) | {r['pg_timers']['seconds']:.1f} s, all completed: "
            f"{r['pg_timers']['verified']} | {_met(r['pg_timers']['seconds'] < 60 and r['pg_timers']['verified'])} |"]

    out += ["", "## 1. Floor: SpiffWorkflow in process, no database", "",
            f"bench_seq10 with 5 of 10 tasks done ({r['floor']['task_rows']} task rows). One repetition = restore from "
            "the JSON string + run the ready user task + `do_engine_steps()` + serialize, timed together; the three "
            f"variants interleaved, {r['floor']['n']} repetitions each. All use the sandboxed `SCRIPT_ENGINE`. "
            f"Measured at the start (raw floor p50 {r['floor_start']['stock'][0]:.2f} ms) and at the end "
            f"({r['floor_end']['stock'][0]:.2f} ms) of the run; the quieter one is shown.", "",
            "| variant | p50 | p95 | state JSON |", "|---|---|---|---|",
            f"| (a) raw SpiffWorkflow floor: stock serializer, spec embedded | {_ms(fa)} | "
            f"{r['floor']['bytes']['stock']:,} B |",
            f"| (b) our engine alone: `app.engine.serializer`, spec by reference | {_ms(fb)} | "
            f"{r['floor']['bytes']['ours']:,} B |",
            f"| (c) our `Runtime` wrapper (restore, complete, step, dump) | {_ms(fc)} | same as (b) |"]

    out += ["", "## 2–3. Service latency (through the real database)", "",
            f"`instances.start(\"bench_seq10\")` with an auto business key; `tasks.complete` of the 6th task "
            f"(5 done) of {s['latency_n']} instances each, after 10 warm-up calls. Each timed call is followed by "
            "one timed repetition of the raw floor (a), so the ratio compares figures taken under the same "
            "background load; that floor is shown per database.", "",
            "| database | call | p50 | p95 | raw floor (a) alongside p50 | p95 | ÷ floor p50 | p95 |",
            "|---|---|---|---|---|---|---|---|"]
    for key, name in (("sqlite", "SQLite"), ("pg", "PostgreSQL")):
        for call in ("complete", "start"):
            label = "tasks.complete" if call == "complete" else "instances.start"
            out.append(f"| {name} | {label} | {_ms(r[key][call])} | {_ms(r[key]['floor'])} | "
                       f"{_ratio(r[key][call], r[key]['floor'])} |")
    out += ["", f"SQL per complete (counted over the untimed advancing completes): SQLite "
            f"{r['sqlite']['statements']:.1f} statements in {r['sqlite']['transactions']:.1f} transactions, "
            f"PostgreSQL {r['pg']['statements']:.1f} statements in {r['pg']['transactions']:.1f} transactions "
            "(SQLite counts its explicit BEGIN as a statement; the pool pre-ping and COMMIT are not counted)."]

    out += ["", "## 4. Throughput on PostgreSQL", "",
            "Worker processes (spawned) each complete all 10 tasks of their own bench_seq10 instances; wall time "
            "from a barrier after warm-up to the last worker done.", "",
            "| processes | completions | wall | completions/s | machine CPU busy | worker CPU per completion |",
            "|---|---|---|---|---|---|"]
    for t in (thr1, thr):
        out.append(f"| {t['processes']} | {t['completions']:,} | {t['seconds']:.2f} s | {t['per_second']:.0f} | "
                   f"{t['machine_busy']:.0%} | {t['client_cpu_ms']:.2f} ms |")

    out += ["", "## 5. Bounded loop (user task → script `rounds = rounds + 1` → gateway back while "
            f"`rounds < {250}`)", "",
            f"`tasks.complete` latency at step k over {s['loop_instances']} instances, each started "
            f"{r['pg_loop']['stagger']} steps after the previous one and advanced in round-robin, so the samples "
            "of one "
            "step are spread over time; state JSON is the stored `process_instance.state`.", "",
            "| step | SQLite p50 | p95 | PostgreSQL p50 | p95 | state JSON | ÷ step 1 (p50, SQLite / PG) |",
            "|---|---|---|---|---|---|---|"]
    for step in r["sqlite_loop"]["points"]:
        a, b = r["sqlite_loop"]["points"][step], r["pg_loop"]["points"][step]
        out.append(f"| {step} | {_ms(a)} | {_ms(b)} | {r['pg_loop']['size'][step]:,} B | "
                   f"{a[0] / r['sqlite_loop']['points'][1][0]:.1f}× / {b[0] / r['pg_loop']['points'][1][0]:.1f}× |")

    out += ["", f"## 6. Timers: {s['timers']:,} instances waiting on a due intermediate timer", "",
            "One instance started through the service, its row cloned with SQL (own business key, in the state JSON "
            "too); then one `timers.tick_due(as_of=2030-01-02)` call, timed.", "",
            "| database | ticked | total | per timer | all completed |", "|---|---|---|---|---|"]
    for key, name in (("pg_timers", "PostgreSQL"), ("sqlite_timers", "SQLite")):
        t = r.get(key)
        if t is None:
            out.append(f"| {name} | skipped (time budget) | | | |")
        else:
            out.append(f"| {name} | {t['ticked']:,} | {t['seconds']:.1f} s | {t['per_timer_ms']:.2f} ms | "
                       f"{t['verified']} ({t['completed']:,}) |")

    lp, steps = r["pg_loop"], s["loop_steps"]
    out += ["", "## Reading the figures", "",
            f"- **The service complete is {complete_ratio['sqlite']:.1f}× (SQLite) and {complete_ratio['pg']:.1f}× "
            f"(PostgreSQL) the raw floor timed alongside**; against the isolated floor of section 1 it is "
            f"{r['sqlite']['complete'][0] / fa[0]:.1f}× and {r['pg']['complete'][0] / fa[0]:.1f}× (a floor repetition "
            "right after a database call runs a little slower than in a tight loop). "
            f"Our engine alone (b) is {fb[0] / fa[0]:.0%} of the raw floor, so the "
            "spec-by-reference serializer buys headroom; the rest of a complete is SQLAlchemy and the database "
            "(statements and transactions counted above). On PostgreSQL every statement, BEGIN, COMMIT and pool "
            "pre-ping is a round trip to a server that shares the same 2 cores. "
            "`python -m bench.profile [--pg URL]` prints the per-phase and per-statement breakdown.",
            f"- **Throughput**: {thr['per_second']:.0f}/s with 2 processes vs {thr1['per_second']:.0f}/s with 1. "
            f"The machine was {thr['machine_busy']:.0%} busy during the 2-process window"
            + (" — the rate is bound by CPU shared by our workers, the PostgreSQL backends and any neighbour"
               if thr["machine_busy"] >= 0.9 else " — not CPU-bound, so waiting (round trips, locks, fsync) limits it")
            + f". 300/s on {info['cores']} cores leaves {info['cores'] / 300 * 1000:.1f} ms of CPU per completion for "
            f"the worker and the PostgreSQL backend together; the workers alone spent {thr['client_cpu_ms']:.2f} ms.",
            f"- **The loop grows**: SpiffWorkflow keeps every completed task (3 task rows per round here) and "
            "restores, "
            f"walks and serializes all of them on every command, so the cost is O(history): "
            f"{(lp['size'][steps] - lp['size'][1]) / (steps - 1):,.0f} B of state and, on PostgreSQL, "
            f"{(lp['points'][steps][0] - lp['points'][1][0]) / (3 * (steps - 1)) * 1000:.0f} µs of complete latency "
            f"per extra task row. State JSON goes from {lp['size'][1]:,} B at step 1 to {lp['size'][steps]:,} B at "
            f"step {steps}. "
            + ("The 1.5× target is not reachable with this engine by tuning the service: it needs history pruning "
               "or a continue-as-new pattern (reference §8)." if max(loop_ratio.values()) > 1.5 else "")
            + " The tree also gets deeper by 3 per round: past about 330 rounds this loop would reach SpiffWorkflow's "
            "silent depth-1000 stall (reference §8), which is why the case is bounded at 250.",
            "- Noise: the machine is a shared 2-vCPU VM; other work may run in it (test suites, other benchmarks) and "
            "beside it on the host. Across runs the speed probe has ranged from about 1.2 to 2.4 ms, with whole-run "
            "latencies moving alike, so compare ratios taken alongside a floor rather than absolute milliseconds "
            "between runs, and read each phase against its probe.",
            ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", required=True, help="PostgreSQL server URL; database jiefen_bench is created on it")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the harness (not for RESULTS)")
    args = parser.parse_args()
    if args.quick:
        SIZES.update(latency_n=30, loop_instances=2, throughput_instances=10, single_process_instances=5, timers=300)
    info, results = run(args.pg)
    text = report(info, results)
    print(text)
    if not args.quick:
        RESULTS.write_text(text + _kept_http_section(), encoding="utf-8")
        common.log(f"written {RESULTS}")


if __name__ == "__main__":
    main()
