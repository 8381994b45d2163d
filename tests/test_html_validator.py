"""The HTML checker of the suite (tests/html_validator.py) is live: vnu.jar reports an invalid page by its source."""
from html_validator import HtmlPages


def test_the_checker_names_each_error_with_the_page_it_came_from(tmp_path):
    pages = HtmlPages(tmp_path)
    pages.add('<!doctype html><html lang="sv"><head><title>Statistik</title></head><body>'
              '<input type="month" placeholder="ÅÅÅÅ-MM" aria-label="Från månad"></body></html>', "/statistik")
    pages.add('<!doctype html><html lang="sv"><head><title>Bra</title></head><body><p>Hej</p></body></html>', "/bra")
    errors = pages.errors()
    assert len(errors) == 1
    assert errors[0].startswith("/statistik:1: Attribute “placeholder” is only allowed when the input type is")
