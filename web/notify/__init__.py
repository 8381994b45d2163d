"""Notices (SMS and e-mail) leave through the outbox: queued with the change that causes them,
delivered by `stegvis worker` / `stegvis tick` with retries, and never carrying health content.

- `settings`: STEGVIS_SMTP_* / STEGVIS_SMS_* / STEGVIS_BASE_URL … read and checked at start-up;
- `templates`: the fixed, neutral Swedish texts;
- `transports`: SMTP and .eml files for e-mail, an HTTP gateway and a log file for SMS;
- `delivery`: claim (FOR UPDATE SKIP LOCKED), send, retry with backoff, give up after N attempts;
- `candidates`: the tick's set-based SQL prefilters (which moments a time-based rule can fire for);
- `worker`: the long-running loop that stops cleanly on SIGTERM/SIGINT;
- `admin`: failed notices for administrators.
Queueing lives with the services that cause notices (`web.services.notices`); the time-based
evaluation (flags, reminders) in `web.services.tick`.
"""
