"""Personnummer and samordningsnummer as clinicians type them."""
import pytest

from web.personnummer import PersonnummerError, format_full, is_coordination_number, parse


@pytest.mark.parametrize("typed", ["19610831-2460", "196108312460", " 19610831 - 2460 ".replace(" - ", "-")])
def test_twelve_digits_with_or_without_hyphen_are_accepted(typed):
    assert parse(typed) == "196108312460"


def test_ten_digits_are_refused_because_the_century_is_ambiguous():
    with pytest.raises(PersonnummerError, match="Ange personnumret med 12 siffror"):
        parse("610831-2460")


def test_a_wrong_check_digit_is_refused():
    with pytest.raises(PersonnummerError, match="Kontrollsiffran stämmer inte"):
        parse("19610831-2461")


def test_an_impossible_date_is_refused():
    with pytest.raises(PersonnummerError, match="inget giltigt födelsedatum"):
        parse("19610231-2460")


def test_a_samordningsnummer_with_day_plus_sixty_is_accepted():
    # 1990-02-11 → day 71; serial 789; the Luhn check digit over 900271789 is 1
    assert parse("19900271-7891") == "199002717891"
    assert is_coordination_number("199002717891")


def test_a_samordningsnummer_still_needs_a_valid_check_digit():
    with pytest.raises(PersonnummerError, match="Kontrollsiffran"):
        parse("19900271-7892")


def test_letters_are_refused():
    with pytest.raises(PersonnummerError):
        parse("1961O831-2460")


def test_format_full_puts_the_hyphen_back():
    assert format_full("196108312460") == "19610831-2460"
