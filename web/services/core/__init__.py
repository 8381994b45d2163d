"""The shared core every audience's services build on.

- `rows`: rows ↔ engine values (the only place that writes module/state rows)
- `unit`: `transaction()` and `apply()` — one unit of work, side effects in order: events → flags → notices
- `flags` (raising due flags), `notices` (queueing neutral notices), `access` (access log), `versions`
  (program version snapshots), `audio` (cached speech), `messages` (conversations, both sides),
  `logins` (login rate limits)
"""
