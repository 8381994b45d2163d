"""Small, hand-built programs and helpers for the lifecycle, flag and schedule tests.

Programs are built straight from engine.model dataclasses so these tests do not depend on the
YAML loader and run in milliseconds.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.model import (
    Band,
    Battery,
    EndReason,
    Form,
    Module,
    Option,
    Program,
    Question,
    Scoring,
    Step,
    frozen_map,
)
from engine.moment.state import Actor

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CLINICIAN = Actor("clinician", "c1", "Sanna Eriksson", "Utbildningsenhet")
OTHER_CLINICIAN = Actor("clinician", "c2", "Marita Andersson", "Utbildningsenhet")
PATIENT = Actor("patient", "p1", "Invånaren")


def sthlm(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def step(id: str, number: str, title: str, forms: tuple[str, ...] = ()) -> Step:
    """A step without real content."""
    return Step(id=id, number=number, title=title, content=None, forms=forms)


def module(id: str, title: str, days: int | None, starts: bool, *steps: Step,
           kind: str = "mandatory") -> Module:
    """A module with the given default days (None = no time limit)."""
    return Module(id=id, title=title, kind=kind, default_days=days, starts_with_moment=starts,
                  steps=tuple(steps))


def _forms() -> dict[str, Form]:
    return {
        "skal": Form("skal", "1.1 Dina skäl", (
            Question("viktigt", "scale", "Hur viktigt?", required=True, min=0, max=10),
        ), resubmit=True),
        "vanor": Form("vanor", "1.2 Dina tobaksvanor", (
            Question("cigs", "number", "Hur många cigaretter per dag?", required=True, min=0, max=100),
        )),
        "ftnd": Form("ftnd", "Fagerströms test", (
            Question("first", "single_choice", "Hur snart efter att du vaknat röker du?", required=True,
                     options=(Option("within5", "Inom 5 minuter", 3), Option("after60", "Efter 60 minuter", 0))),
        ), scoring=Scoring(bands=(Band(0, 1, "Lågt beroende"), Band(2, 3, "Högt beroende")))),
        "uppfoljning": Form("uppfoljning", "Uppföljning efter 3 månader", (
            Question("rokfri", "yes_no", "Är du rökfri?", required=True),
        )),
        "tre-fragor": Form("tre-fragor", "Tre frågor", (
            Question("tanke", "short_text", "Vad tar du med dig?"),
        )),
    }


def build_program(**overrides) -> Program:
    """A five-module program shaped like Tobakshjälpen (start modules, a battery, end reasons)."""
    fields = dict(
        id="testprogram",
        title="Testprogrammet",
        version="1.0.0",
        language="sv",
        recommended_days=70,
        welcome_text="Välkommen!",
        end_reasons=(EndReason("genomford", "Genomförd behandling"),
                     EndReason("avbruten", "Avbruten av invånaren")),
        modules=(
            module("inledning", "Inledning", None, True, step("valkommen", "I.1", "Välkommen")),
            module("steg-1", "Steg 1 Uppvärmning", 7, True,
                   step("motivation", "1.1", "Så här ökar du motivationen", ("skal",)),
                   step("tobaksvanor", "1.2", "Kartlägg dina tobaksvanor", ("vanor", "ftnd")),
                   step("stoppdagen", "1.3", "Stoppdagen")),
            module("ung", "Ung och tobak", 7, False, step("ung-1", "U.1", "Ung"), kind="individual"),
            module("steg-2", "Steg 2 Uppstart", 14, False,
                   step("infor", "2.1", "Inför stoppdagen"),
                   step("uppfoljning", "2.2", "Uppföljning", ("uppfoljning",))),
            module("avslutning", "Avslutningsfrågor", 7, False,
                   step("tre-fragor", "A.1", "Tre frågor", ("tre-fragor",))),
        ),
        forms=frozen_map(_forms()),
        batteries=(Battery("uppfoljning-3m", "Uppföljning 3 månader", ("uppfoljning",), "steg-2"),),
    )
    fields.update(overrides)
    return Program(**fields)


#: content folder of the one-module YAML programs below
MINI_CONTENT = str(Path(__file__).resolve().parents[1] / "data" / "content" / "mini")


def mini_yaml(forms: str) -> str:
    """The first 13 lines of a one-module YAML program whose one step shows `forms`; `forms:` follows."""
    return f"""id: mini
title: Mini
version: "1.0"
language: sv
recommended_days: 30
modules:
  - id: start
    title: Start
    kind: mandatory
    default_days: 7
    steps:
      - {{id: intro, number: "1.1", title: Intro, content: start.md, forms: [{forms}]}}
forms:
"""
