"""All database models, one module per concept group; import them from here."""
from .activity import ActivityPlan, ActivityRegistration
from .audit import AccessLog, LoginAttempt
from .audit_events import AuditEvent
from .base import UTCDateTime
from .enrollment import Enrollment, EnrollmentModule, FormResponse, StepProgress
from .events import Event, Flag, FlagSubscription
from .messages import Conversation, Message
from .notices import Notice
from .people import ROLES, CareUnit, Membership, Patient, Region, User
from .programs import ProgramVersion
from .sessions import WebSession

__all__ = [
    "AccessLog", "ActivityPlan", "AuditEvent", "ActivityRegistration", "CareUnit", "Conversation", "Enrollment",
    "EnrollmentModule", "Event", "Flag", "FlagSubscription", "FormResponse", "LoginAttempt", "Membership",
    "Message", "Notice", "Patient", "ProgramVersion", "ROLES", "Region", "StepProgress", "UTCDateTime", "User",
    "WebSession",
]
