"""The background worker: fires due timers and retries undelivered messages. Safe to run several at once."""
from __future__ import annotations

import logging
import signal
import time

from app import db
from app.services.runtime import messages
from app.services.runtime import timers

log = logging.getLogger("jiefen.worker")


def run_once() -> dict:
    fired = timers.tick_due()
    with db.transaction(write=False) as session:
        pending = messages.pending_ids(session)
    messages.deliver_outbox(pending)
    return {"timers": fired, "messages": len(pending)}


def run_forever(interval: float = 1.0) -> None:
    stopping = {"now": False}

    def stop(_signum, _frame):
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker started (interval %.1fs)", interval)
    while not stopping["now"]:
        try:
            done = run_once()
            if done["timers"] or done["messages"]:
                log.info("fired %(timers)d timer(s), delivered %(messages)d message(s)", done)
        except Exception:  # a bad row must not kill the worker; the instance records its own incident
            log.exception("worker tick failed")
        time.sleep(interval)
    log.info("worker stopped")
