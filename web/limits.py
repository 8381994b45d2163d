"""Every size limit on what visitors send, in one place (ASVS: bounded input everywhere).

Services check these and answer with a Swedish message beside the field, the typed text kept.
"""
from engine.forms.answers import MAX_ANSWER_CHARS

#: the largest request body (Flask's MAX_CONTENT_LENGTH; 413 above it)
MAX_REQUEST_BYTES = 1024 * 1024
#: a form answer (text questions; drafts and submissions)
MAX_ANSWER = MAX_ANSWER_CHARS
#: a message body and a new conversation's subject (Meddelanden, both directions)
MAX_MESSAGE = 10_000
MAX_SUBJECT = 200
#: a comment on an activity registration
MAX_COMMENT = 2_000
#: a patient's first or last name, and a staff member's full name (the database columns' sizes)
MAX_PATIENT_NAME = 80
MAX_STAFF_NAME = 120
#: a clinician's own welcome text (Markdown)
MAX_WELCOME_TEXT = 10_000
