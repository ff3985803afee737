"""The edge rules of the intake forms: text, identifiers, numbers and dates."""

from __future__ import annotations

import types
import typing
import unicodedata
from datetime import date, timedelta
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from sentra_documents import forms
from sentra_documents.domain import intake, text
from sentra_documents.form_fields import CHECKED, Name, Nik, Rupiah, YesNo

TODAY = date(2025, 6, 2)


# --- text --------------------------------------------------------------------------------


def test_a_decomposed_name_is_stored_composed():
    assert text.normalise("Siti Ra\u0308hayu") == "Siti R\u00e4hayu"
    assert TypeAdapter(Name).validate_python("  Siti Ra\u0308hayu ") == "Siti R\u00e4hayu"


@pytest.mark.parametrize(
    ("character", "described"),
    [
        ("\x00", "U+0000 (Cc)"),
        ("\t", "U+0009 (Cc)"),
        ("\u200b", "U+200B (Cf)"),  # zero width space
        ("\u202e", "U+202E (Cf)"),  # right-to-left override
        ("\ufeff", "U+FEFF (Cf)"),  # byte order mark
        ("\ud800", "U+D800 (Cs)"),  # lone surrogate
        ("\ue000", "U+E000 (Co)"),  # private use
        ("\u0378", "U+0378 (Cn)"),  # unassigned
        ("\u2028", "U+2028 (Zl)"),
        ("\u2029", "U+2029 (Zp)"),
    ],
)
def test_invisible_and_control_characters_are_refused_and_named_without_echo(character, described):
    assert text.refused_character(f"Siti{character}Rahayu") == described
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(Name).validate_python(f"Siti{character}Rahayu")
    [error] = refused.value.errors()
    assert error["type"] == "text_refused_character"
    assert described in error["msg"]


@pytest.mark.parametrize(
    "name",
    ["Siti Rahayu", "Muhammad Al-Fatih", "N'Golo", "محمد عبد الله", "김민준", "Nguyễn Thị Ánh"],
)
def test_names_of_any_script_pass(name):
    assert text.refused_character(name) is None
    assert TypeAdapter(Name).validate_python(name) == unicodedata.normalize("NFC", name)


@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=30))
def test_what_the_python_rule_accepts_the_published_pattern_accepts(value):
    # The pattern (pydantic-core's regex) is what clients see; the Python rule is what
    # runs first. A client following the pattern must never be refused by the rule for
    # a character the pattern allows, and vice versa for everything the rule lets pass.
    composed = text.normalise(value)
    pattern = TypeAdapter(typing.Annotated[str, forms.Name.__metadata__[0]])
    if text.refused_character(composed) is None:
        stripped = composed.strip()
        if 2 <= len(stripped) <= 120:
            assert pattern.validate_python(composed) == stripped
    else:
        with pytest.raises(ValidationError):
            TypeAdapter(Name).validate_python(value)


@pytest.mark.parametrize(
    "nik",
    [
        "\u0663\u0663\u0661\u0664" + "\u0660" * 12,  # Arabic-Indic digits
        "\u0969\u0969\u0967\u096a" + "\u0966" * 12,  # Devanagari digits
        "\uff13\uff13\uff11\uff14" + "\uff10" * 12,  # full-width digits
    ],
)
def test_a_nik_takes_ascii_digits_only(nik):
    assert nik.isdigit()  # what `\d` would have let through
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(Nik).validate_python(nik)
    assert refused.value.errors()[0]["type"] == "string_pattern_mismatch"


@pytest.mark.parametrize("amount", ["5000000", 5000000.0, True, None, [5]])
def test_an_amount_is_a_json_integer(amount):
    with pytest.raises(ValidationError):
        TypeAdapter(Rupiah).validate_python(amount)
    assert TypeAdapter(Rupiah).validate_python(5_000_000) == 5_000_000


@pytest.mark.parametrize("flag", ["true", "yes", 1, 0, "false"])
def test_a_yes_no_is_a_json_boolean(flag):
    with pytest.raises(ValidationError):
        TypeAdapter(YesNo).validate_python(flag)


# --- dates -------------------------------------------------------------------------------


def test_birth_dates():
    assert intake.birth_date_problem(date(1995, 8, 17), TODAY) is None
    assert intake.birth_date_problem(TODAY, TODAY) == "a birth date in the past"
    assert intake.birth_date_problem(TODAY + timedelta(days=1), TODAY) is not None
    assert intake.birth_date_problem(date(2010, 6, 2), TODAY) is None  # 15 today
    assert intake.birth_date_problem(date(2010, 6, 3), TODAY) is not None  # 14
    assert intake.birth_date_problem(date(1924, 6, 3), TODAY) is None  # 100
    assert intake.birth_date_problem(date(1924, 6, 2), TODAY) is not None  # 101


def test_certificates_are_not_dated_after_today():
    assert intake.issue_date_problem(TODAY, TODAY) is None
    assert intake.issue_date_problem(TODAY + timedelta(days=1), TODAY) == (
        "an issue date not after today"
    )
    assert intake.issue_date_problem(date(1924, 12, 31), TODAY) is not None


def test_other_dates_stay_in_a_window_no_date_arithmetic_can_overflow():
    assert intake.date_problem(date(1925, 1, 1), TODAY) is None
    assert intake.date_problem(date(1924, 12, 31), TODAY) is not None
    assert intake.date_problem(TODAY + timedelta(days=366), TODAY) is None
    assert intake.date_problem(TODAY + timedelta(days=367), TODAY) is not None
    assert intake.date_problem(date(9999, 12, 31), TODAY) is not None


def test_an_employment_ends_on_or_after_its_start():
    start = date(2022, 3, 1)
    assert intake.period_problem(start, start) is None
    assert intake.period_problem(start, start - timedelta(days=1)) == "an end not before the start"
    assert intake.period_problem(None, start) is None


@pytest.mark.parametrize("value", [0, 86400, "1990-01-01T00:00:00", "19900101", "1990-1-1"])
def test_a_date_is_written_yyyy_mm_dd(value):
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(forms.EventDate).validate_python(value)
    assert refused.value.errors()[0]["type"] == "date_type"


# --- the guard: no field escapes the edge types -------------------------------------------

SCALARS = (str, int, bool, float, date)


def unchecked_fields(model: type[BaseModel], seen: set[type] | None = None) -> list[str]:
    """Every scalar field of `model` and the models inside it that lacks an edge type."""
    seen = seen if seen is not None else set()
    if model in seen:
        return []
    seen.add(model)
    found = []
    for name, field in model.model_fields.items():
        where = f"{model.__name__}.{name}"
        found += [f"{where}: {problem}" for problem in _problems(field.annotation, field.metadata)]
        for nested in _models_in(field.annotation):
            found += unchecked_fields(nested, seen)
    return found


def _problems(annotation: object, metadata: list[object]) -> list[str]:
    if annotation in SCALARS:
        return [] if CHECKED in metadata else [f"plain {annotation.__name__}"]  # type: ignore[union-attr]
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _problems(inner, [*metadata, *extra])
    if typing.get_origin(annotation) is typing.Literal:
        return []
    if isinstance(annotation, type) and issubclass(annotation, Enum | BaseModel):
        return []
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, tuple):
        return [p for arg in args if arg is not Ellipsis for p in _problems(arg, [])]
    if annotation is type(None):
        return []
    return [f"unknown type {annotation!r}"]


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def test_every_form_field_is_an_edge_type():
    assert unchecked_fields(forms.ApplicationForm) == []


def test_the_guard_catches_a_plain_field():
    class Sneaky(BaseModel):
        name: str
        nested: tuple[forms.FeePaid, ...] = ()
        note: str | None = None
        count: int = 0
        checked: Name = "ok"

    assert unchecked_fields(Sneaky) == [
        "Sneaky.name: plain str",
        "Sneaky.note: plain str",
        "Sneaky.count: plain int",
    ]


def test_a_stored_form_is_not_judged_again_on_a_later_day():
    # Accepted when the applicant was 100; read back years later it must still load,
    # while the same form submitted today is refused.
    born = date(date.today().year - 103, 6, 1)
    stored = (
        '{"kind": "kur_loan", "applicant": {"full_name": "Siti Rahayu", '
        f'"nik": "3314015203930001", "date_of_birth": "{born.isoformat()}", "sex": "F", '
        '"phone": "+6281300000001"}, "credit": {"product": "micro", '
        '"amount_idr": 5000000, "tenor_months": 12}}'
    )
    assert forms.read_stored_form(stored).applicant.date_of_birth == born
    with pytest.raises(ValidationError, match="date_of_birth"):
        forms.ApplicationForm.model_validate_json(stored)
