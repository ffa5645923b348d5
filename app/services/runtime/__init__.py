"""Running cases: start, complete, claim, messages, timers, and the one unit of work every change runs in.

Wiring: committed messages are delivered by `messages.deliver_outbox`, registered here with the unit of work, so the
commands that throw messages never import the module that delivers them."""
from app.services.runtime import messages, unit_of_work

unit_of_work.deliver_outbox_with(messages.deliver_outbox)
