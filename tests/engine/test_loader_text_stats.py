"""engine.authoring.text_stats: word count and LIX on Markdown, against examples counted by hand."""
import pytest

from engine.authoring.text_stats import lix, long_words, plain_text, sentences, words


def test_a_plain_sentence_is_counted_by_hand():
    text = "Jag vill sluta röka eftersom hälsan är viktigast."
    # 8 words; long words (> 6 letters): eftersom, viktigast → 2; 1 sentence
    assert (words(text), long_words(text), sentences(text)) == (8, 2, 1)
    assert lix(text) == pytest.approx(8 / 1 + 100 * 2 / 8)


def test_markdown_markup_is_not_counted():
    text = (
        "## Rubrik här\n"
        "\n"
        "Läs **mer** på [vår sida](https://example.se/lång-adress) i _dag_.\n"
        "\n"
        "```\n"
        "kod som inte räknas\n"
        "```\n"
        "\n"
        "- första punkten\n"
        "- andra punkten\n"
    )
    assert plain_text(text) == "Rubrik här\nLäs mer på vår sida i dag.\nförsta punkten\nandra punkten"
    # Rubrik här (2) + Läs mer på vår sida i dag (7) + första punkten (2) + andra punkten (2) = 13
    assert words(text) == 13
    # heading, the sentence, and each list item: 4 sentences
    assert sentences(text) == 4
    # long: punkten, punkten → 2  (Rubrik and första have 6 letters: not long)
    assert long_words(text) == 2
    assert lix(text) == pytest.approx(13 / 4 + 100 * 2 / 13)


def test_a_paragraph_wrapped_over_lines_is_one_sentence():
    text = "Det här är en mening som\nfortsätter på nästa rad.\n"
    assert sentences(text) == 1
    assert words(text) == 10


def test_numbers_and_abbreviation_like_points_inside_words_do_not_end_sentences():
    assert sentences("Steg 1.1 börjar kl 10:30 varje dag.") == 1


def test_question_and_exclamation_marks_end_sentences():
    assert sentences("Hej! Hur mår du? Bra: tack.") == 4


def test_a_text_without_words_has_lix_zero():
    assert words("") == 0
    assert lix("") == 0.0
    assert lix("```\nkod\n```\n") == 0.0


def test_hyphenated_words_count_once_and_letters_only_make_a_word_long():
    # e-cigaretter: one word with 11 letters; 2024 is a word but has no letters
    assert words("e-cigaretter sedan 2024") == 3
    assert long_words("e-cigaretter sedan 2024") == 1


def test_tables_and_images_keep_their_text():
    text = "![En bild](bild.png)\n\n| Dag | Antal |\n|---|---|\n| Måndag | 5 |\n"
    assert plain_text(text) == "En bild\nDag Antal\nMåndag 5"
    assert words(text) == 6
