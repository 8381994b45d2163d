"""Speech text: Markdown stripped and Swedish written out the way a voice should read it."""
import hashlib

import pytest

from engine.authoring.speech import cache_key, expand_abbreviations, normalize, speech_text


def test_title_and_paragraphs_become_one_sentence_per_line():
    md = "Det här är första stycket.\nSamma stycke, ny rad.\n\nAndra stycket"
    assert speech_text("Om programmet", md) == (
        "Om programmet.\n"
        "Det här är första stycket. Samma stycke, ny rad.\n"
        "Andra stycket."
    )


def test_headings_become_sentences_ending_with_a_period():
    md = "## Att tänka på\n\nText.\n\n### Vad kan hända?\n\n#### Gör så här:\n\nMer text."
    assert speech_text("", md) == (
        "Att tänka på.\nText.\nVad kan hända?\nGör så här.\nMer text."
    )


def test_a_first_heading_repeating_the_title_is_read_once():
    md = "# Så här ökar du motivationen\n\nBörja här."
    assert speech_text("Så här ökar du motivationen", md) == "Så här ökar du motivationen.\nBörja här."


def test_a_first_heading_differing_from_the_title_is_read():
    assert speech_text("Motivation", "# Varför sluta?\n\nText.") == "Motivation.\nVarför sluta?\nText."


def test_list_items_become_sentences_and_keep_their_own_punctuation():
    md = "Det här hjälper:\n\n- promenader\n- vatten, tuggummi;\n- Att ringa en vän!\n\n1. Välj en dag\n2. Berätta för någon"
    assert speech_text("", md) == (
        "Det här hjälper.\n"
        "promenader.\n"
        "vatten, tuggummi.\n"
        "Att ringa en vän!\n"
        "Välj en dag.\n"
        "Berätta för någon."
    )


def test_nested_list_items_are_read_in_order():
    md = "- Snus\n    - lössnus\n    - portion\n- Cigaretter"
    assert speech_text("", md) == "Snus.\nlössnus.\nportion.\nCigaretter."


def test_links_keep_their_text_and_emphasis_is_removed():
    md = "Ring [Sluta-röka-linjen](https://www.slutarokalinjen.se) eller läs **mer** på *webben* och __här__ _nu_."
    assert speech_text("", md) == "Ring Sluta-röka-linjen eller läs mer på webben och här nu."


def test_code_blocks_images_comments_and_html_tags_are_not_read():
    md = (
        "Före.\n\n```\nprint('kod')\n```\n\n    indragen kod\n\n"
        "![En bild på en cigarett](bild.png)\n\n<!-- anteckning till författaren -->\n\n"
        '<div class="tips">Ett <b>tips</b></div>\n\nEfter `inline` ord.'
    )
    assert speech_text("", md) == "Före.\nEtt tips.\nEfter inline ord."


def test_a_table_row_is_read_as_one_sentence():
    md = "| Dag | Mål |\n|---|---|\n| 1 | Ingen cigarett |"
    assert speech_text("", md) == "Dag, Mål.\n1, Ingen cigarett."


def test_html_entities_are_read_as_characters():
    assert speech_text("", "Salt &amp; peppar &lt; 3") == "Salt och peppar < 3."


@pytest.mark.parametrize(
    "written, spoken",
    [
        ("Drick t.ex. vatten.", "Drick till exempel vatten."),
        ("Drick t. ex. vatten.", "Drick till exempel vatten."),
        ("Drick t ex vatten.", "Drick till exempel vatten."),
        ("Det beror bl.a. på vanor.", "Det beror bland annat på vanor."),
        ("Vi ses kl. 10 i morgon.", "Vi ses klockan 10 i morgon."),
        ("Vi ses kl 10 i morgon.", "Vi ses klockan 10 i morgon."),
        ("Det tar ca två veckor.", "Det tar cirka två veckor."),
        ("Det tar c:a två veckor.", "Det tar cirka två veckor."),
        ("Det tar ca. två veckor.", "Det tar cirka två veckor."),
        ("Röker du, dvs. varje dag?", "Röker du, det vill säga varje dag?"),
        ("Röker du, d.v.s. varje dag?", "Röker du, det vill säga varje dag?"),
        ("Snus, cigaretter osv. hör hit.", "Snus, cigaretter och så vidare hör hit."),
        ("Snus, cigaretter o.s.v. hör hit.", "Snus, cigaretter och så vidare hör hit."),
        ("Snus, cigaretter m.m. hör hit.", "Snus, cigaretter med mera hör hit."),
        ("Snus, cigaretter etc. hör hit.", "Snus, cigaretter etcetera hör hit."),
        ("Han röker 20 st. per dag.", "Han röker 20 stycken per dag."),
        ("Han röker 20 st per dag.", "Han röker 20 stycken per dag."),
        ("Ett s.k. återfall.", "Ett så kallad återfall."),
        ("Snus resp. cigaretter.", "Snus respektive cigaretter."),
        ("Se formulär nr. 3.", "Se formulär nummer 3."),
        ("Se formulär nr 3.", "Se formulär nummer 3."),
        ("Ta ev. kontakt med oss.", "Ta eventuellt kontakt med oss."),
    ],
)
def test_swedish_abbreviations_are_written_out(written, spoken):
    assert expand_abbreviations(written) == spoken


@pytest.mark.parametrize(
    "written, spoken",
    [
        ("T.ex. kan du gå en promenad.", "Till exempel kan du gå en promenad."),
        ("Bl.a. sömnen blir bättre.", "Bland annat sömnen blir bättre."),
        ("Kl. 8 börjar dagen.", "Klockan 8 börjar dagen."),
        ("Ca hälften lyckas.", "Cirka hälften lyckas."),
        ("Dvs. inte i dag.", "Det vill säga inte i dag."),
        ("Ev. vill du ringa.", "Eventuellt vill du ringa."),
    ],
)
def test_an_abbreviation_at_sentence_start_gets_a_capital(written, spoken):
    assert expand_abbreviations(written) == spoken


def test_an_abbreviation_ending_a_sentence_keeps_the_full_stop():
    assert expand_abbreviations("Snus, cigaretter m.m. Sedan kommer suget.") == (
        "Snus, cigaretter med mera. Sedan kommer suget."
    )
    assert expand_abbreviations("Välj en dag, en tid osv.") == "Välj en dag, en tid och så vidare."


def test_an_abbreviation_before_a_name_does_not_end_the_sentence():
    assert expand_abbreviations("Fråga t.ex. Anna om hjälp.") == "Fråga till exempel Anna om hjälp."


def test_words_that_only_contain_abbreviation_letters_are_left_alone():
    text = "Bästa cast kan etcetera mm evig nrk best. Centralt klart, St. Eriks."
    assert expand_abbreviations(text) == text


def test_numbers_and_step_numbers_are_kept():
    assert normalize("Läs avsnitt 1.1 och 2.3 igen, 20 cigaretter om dagen.") == (
        "Läs avsnitt 1.1 och 2.3 igen, 20 cigaretter om dagen."
    )


@pytest.mark.parametrize(
    "written, spoken",
    [
        ("Det tar 2–4 veckor.", "Det tar 2 till 4 veckor."),
        ("Det tar 2 – 4 veckor.", "Det tar 2 till 4 veckor."),
        ("Det tar 2-4 veckor.", "Det tar 2 till 4 veckor."),
        ("Svara på en skala 0–10.", "Svara på en skala 0 till 10."),
        ("Läs 1.1–1.4 först.", "Läs 1.1 till 1.4 först."),
        ("Öppet kl. 10.00–12.00.", "Öppet klockan 10.00 till 12.00."),
    ],
)
def test_number_ranges_are_read_with_till(written, spoken):
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    "text",
    ["Ring 020-84 00 00 i dag.", "Starten var 2021-08-17 12:10.", "Mellan år 2019–2021-08 hände mycket."],
)
def test_phone_numbers_and_dates_are_not_ranges(text):
    assert "till" not in normalize(text)


def test_percent_and_decimal_comma_are_written_out():
    assert normalize("Ungefär 50 % och 7% av dem, 3,5 mg nikotin.") == (
        "Ungefär 50 procent och 7 procent av dem, 3 komma 5 mg nikotin."
    )


def test_health_care_numbers_are_read_as_swedes_say_them():
    assert normalize("Ring 1177 eller läs på 1177.se. Vid fara för livet, ring 112.") == (
        "Ring elva sjuttiosju eller läs på elva sjuttiosju.se. Vid fara för livet, ring ett ett två."
    )


def test_other_numbers_like_the_service_numbers_stay_numbers():
    text = "Det kostar 112 kronor, 11770 kronor eller 1177,5 kronor."
    assert normalize(text) == "Det kostar 112 kronor, 11770 kronor eller 1177 komma 5 kronor."


def test_a_full_page_reads_as_expected():
    md = (
        "# Kartlägg dina tobaksvanor\n\n"
        "Under **1–2 veckor** skriver du ner när du röker, t.ex. efter maten.\n\n"
        "## Så här gör du\n\n"
        "- Skriv ner tiden, kl. 7.30 osv.\n"
        "- Notera [suget](https://example.org/sug) på en skala 0–10\n\n"
        "Ca 70 % märker ett mönster."
    )
    assert speech_text("Kartlägg dina tobaksvanor", md) == (
        "Kartlägg dina tobaksvanor.\n"
        "Under 1 till 2 veckor skriver du ner när du röker, till exempel efter maten.\n"
        "Så här gör du.\n"
        "Skriv ner tiden, klockan 7.30 och så vidare.\n"
        "Notera suget på en skala 0 till 10.\n"
        "Cirka 70 procent märker ett mönster."
    )


def test_empty_input_gives_empty_text():
    assert speech_text("", "") == ""
    assert speech_text("", "   \n\n") == ""


def test_cache_key_is_the_sha256_of_backend_voice_and_text():
    expected = hashlib.sha256("espeak\x1fsv\x1fHej.".encode()).hexdigest()
    assert cache_key("Hej.", "sv", "espeak") == expected


def test_cache_key_changes_with_text_voice_and_backend():
    base = cache_key("Hej.", "sv", "espeak")
    assert cache_key("Hej!", "sv", "espeak") != base
    assert cache_key("Hej.", "en", "espeak") != base
    assert cache_key("Hej.", "sv", "gtts") != base
    assert cache_key("Hej.", "sv", "espeak") == base
