"""The patient blueprint's forms as WTForms classes (see web/ui/forms.py); login and settings live in account.py.

The exception: the ANSWERS to a program's forms and activity registrations. Their questions come from
the program YAML, so they have no class here: the posted mapping goes as it is to the services, where
engine.forms parses and checks every answer against its question. These classes read only the fixed
fields around them (which button was pressed, the submission token, the occasion).
"""
from __future__ import annotations

from ..ui.forms import PostForm, Text


class MessageForm(PostForm):
    body = Text(strip_text=False)
    subject = Text(strip_text=False)


class AnswerActionForm(PostForm):
    """Spara utkast ("spara", the default) or Skicka in ("skicka"), with the submission's one-time token."""

    action = Text(name="stegvis-atgard", missing="spara")
    token = Text(name="stegvis-token", missing=None)


class ActivityActionForm(PostForm):
    """Spara or Hoppa över ("hoppa") one occasion (`tillfalle`) of an activity plan."""

    action = Text(name="stegvis-atgard")
    occasion = Text(name="tillfalle", strip_text=False, missing=None)
