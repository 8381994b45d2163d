"""The only bridge between the web and the engine: load rows, ask the engine, write rows + events.

Views call these functions and never change rows themselves. Each changing function runs in one
transaction: the new state, its events, raised flags and queued notices commit together, or
nothing does. Rejected actions raise `ServiceError` (Swedish message + per-field messages).

Modules (import what you need, e.g. `from web.services import moments`):
- bridge: transaction(), build_state(), apply(), clinician_actor(), patient_actor(), program_for(),
  program_version()
- access: moment_for_staff(), view_moment(), log_access(), add_access_log(), access_log_for()
- moments: start_moment(), activate_module(), complete_module(), set_upcoming(), set_days_left(),
  set_patient_status(), save_welcome_text(), end_moment(), maintain_moment(), end_and_maintain(),
  change_clinician(), hand_over(), start_battery()
- forms: view_step(), save_form(), submit_form(), open_response(), draft_for(), unread_responses()
- messages: send_as_clinician(), send_as_patient(), open_as_clinician(), mark_read_by_patient()
- flags: add_subscription(), remove_subscription(), raise_due_flags(), refresh_flags(), open_flags(),
  handle_flag() (the tick in services/tick.py finds the moments where time-based flags can fire)
- activity: save_content(), save_schedule(), save_settings(), register(), skip()
- notices: queue_notice(), notify_patient_new_message(), notify_patient_moment_started(), notify_staff_flag()
- patient_accounts: issue_activation(), new_activation_link(), activate(), update_settings(), …
- overview: overview_page();  timeline: timeline();  staff: login_blocked(), record_login(), …
"""
from .errors import AccessDenied, ServiceError

__all__ = ["AccessDenied", "ServiceError"]
