"""All database models, one module per concept group; import them from here."""
from .activity import ActivityPlan, ActivityRegistration
from .audit import AccessLog, LoginAttempt
from .audit_events import AuditEvent
from .base import UTCDateTime
from .data import ExportLog, PurgeReceipt, StatModule, StatRecord
from .enrollment import Enrollment, EnrollmentModule, FormResponse, StepProgress
from .events import Event, Flag, FlagSubscription
from .messages import Conversation, Message
from .notices import Notice
from .operations import WorkerHeartbeat
from .people import ROLES, CareUnit, Membership, Patient, Region, User
from .programs import ProgramVersion
from .sessions import WebSession
from .settings import UnitSetting, UnitSettingChange

__all__ = [
    "AccessLog", "ActivityPlan", "ActivityRegistration", "AuditEvent", "CareUnit", "Conversation", "Enrollment",
    "EnrollmentModule", "Event", "ExportLog", "Flag", "FlagSubscription", "FormResponse", "LoginAttempt",
    "Membership", "Message", "Notice", "Patient", "ProgramVersion", "PurgeReceipt", "ROLES", "Region", "StatModule",
    "StatRecord", "StepProgress", "UTCDateTime", "UnitSetting", "UnitSettingChange", "User", "WebSession",
    "WorkerHeartbeat",
]
