"""Contact details checked with well-kept libraries: e-mail addresses (email-validator, syntax only:
no DNS look-up) and Swedish mobile numbers (phonenumbers). Control characters (CR/LF) are never accepted,
so an address can never inject a header into a notice."""
from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

EMAIL_ERROR = "Ange en giltig e-postadress, till exempel namn@exempel.se."
MOBILE_ERROR = "Ange ett svenskt mobilnummer, till exempel 070-123 45 67."
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def email_problem(address: str | None) -> str | None:
    """None when the address is empty or valid, else the Swedish error."""
    if not address:
        return None
    if _has_control(address) or len(address) > 254:
        return EMAIL_ERROR
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return EMAIL_ERROR
    return None


def mobile_problem(number: str | None) -> str | None:
    """None when the number is empty or a valid mobile number (Swedish unless it starts with +)."""
    if not number:
        return None
    if _has_control(number) or len(number) > 32:
        return MOBILE_ERROR
    try:
        parsed = phonenumbers.parse(number, "SE")
    except phonenumbers.NumberParseException:
        return MOBILE_ERROR
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        return MOBILE_ERROR
    return None


def contact_errors(*, email: str | None, mobile: str | None) -> dict[str, str]:
    """Field → Swedish error for the e-mail and mobile fields."""
    errors = {}
    if problem := email_problem(email):
        errors["email"] = problem
    if problem := mobile_problem(mobile):
        errors["mobile"] = problem
    return errors
