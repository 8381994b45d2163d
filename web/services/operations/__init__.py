"""Services that run without a request: the tick/worker (time-based flags, reminders, delivery)."""
