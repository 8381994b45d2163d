"""One moment (Enrollment) over time: pure decisions from a state snapshot and `now`.

- `state`: typed snapshots (`MomentState`, `ModuleState`), `Event`, `Actor`, `Transition` and the
  state constants.
- `rules`: guards and queries shared by every action (Dagar kvar, Senast aktiv, what the patient may do).
- `lifecycle`: the clinician's actions (start, Sätt till aktuell/avklarad/kommande, Avsluta, …).
- `patient`: the patient's actions (view a step, save/submit a form, write a message).
- `batteries`: mätbatterier; `schedule`: aktivitetsplaner; `flags`: the flag rules (flaggor);
  `reminders`: authored reminders, due activities and quiet hours for notices.
- `anchors`: reminders and batteries timed from an answered date; `mandatory_flags`: the flags no
  clinician has to subscribe to (answer alerts, batteries that started themselves); `flag_reads`: what
  the flag rules read of the events (so the tick reads back no more); `causes`: the flags' cause keys.
- `suggestions`: upcoming modules that the answers suggest to the clinician (`suggest:` on a module).
"""
