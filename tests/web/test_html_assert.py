"""The order-free HTML assertion helper."""
from html_assert import elements, has_element

PAGE = '<p><input value="1" type="checkbox" name="active" checked><input name="other" value="2"/></p>'


def test_attributes_match_in_any_order():
    assert has_element(PAGE, "input", name="active", value="1", type="checkbox")
    assert has_element(PAGE, "input", value="2", name="other")


def test_boolean_attributes_present_or_absent():
    assert has_element(PAGE, "input", name="active", checked=True)
    assert not has_element(PAGE, "input", name="other", checked=True)
    assert has_element(PAGE, "input", name="other", checked=False)


def test_a_different_value_or_tag_does_not_match():
    assert not has_element(PAGE, "input", name="active", value="2")
    assert not has_element(PAGE, "select", name="active")
    assert len(elements(PAGE, "input")) == 2
