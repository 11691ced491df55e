"""The ids pages read from what people send (lib.ids), and the pages a `next` may send them back to
(lib.redirects): anything else is no id, or no page, never a 500 or another site."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import RequestFactory

from vicinato.lib.ids import MAX_ID, as_id, id_or_404, ids
from vicinato.lib.redirects import own_page

BAD = ["²", "abc", "", None, "-1", " 1", "1.5", str(MAX_ID + 1), "99999999999999999999", 12]


@pytest.mark.parametrize(("value", "number"), [("12", 12), ("0", 0), ("007", 7), (str(MAX_ID), MAX_ID)])
def test_ascii_digits_within_a_64_bit_key_are_an_id(value, number):
    assert as_id(value) == number
    assert id_or_404(value) == number


@pytest.mark.parametrize("value", BAD)
def test_anything_else_is_no_id_and_a_404(value):
    assert as_id(value) is None
    with pytest.raises(Http404):
        id_or_404(value)


def test_ids_keeps_the_order_and_leaves_out_what_is_not_an_id():
    assert ids(["3", "²", "1", "abc", "", "99999999999999999999", "2"]) == [3, 1, 2]
    assert ids([]) == []


@pytest.mark.parametrize(
    ("page", "secure", "kept"),
    [
        ("/agenda/", False, True),
        ("/en/attivita/?giorno=2030-03-04", True, True),
        ("http://testserver/x", False, True),
        ("https://testserver/x", True, True),
        ("http://testserver/x", True, False),  # from https down to http
        ("https://evil.example/x", False, False),
        ("//evil.example/", False, False),
        ("javascript:alert(1)", False, False),
        ("", False, False),
        (None, False, False),
    ],
)
def test_a_next_page_is_one_of_this_site_only(page, secure, kept):
    request = RequestFactory().get("/", secure=secure)
    assert own_page(request, page) == (page if kept else "")
