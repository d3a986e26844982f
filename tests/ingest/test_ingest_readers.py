"""The CSV reader's fast path reads exactly what the csv module reads, or steps aside.

Plain blocks are split on commas and newlines without an object per row
(hub.ingest.readers._plain); anything the csv module might read differently (quotes, NUL, a lone
CR, blank lines, ragged rows, a field over the module's limit) must go to the csv module.
"""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.ingest.readers import _first_record_end, _plain

QUICK = settings(max_examples=300, deadline=None, database=None)

# Text made mostly of the characters that matter to CSV, so that edge cases come up often.
csv_text = st.text(alphabet=st.sampled_from('ab1 ,,,\n\n\r"\x00é'), max_size=60)


def _csv_columns(text: str, width: int) -> list[list[str]] | None:
    """The columns the csv module reads, if every record it reads is `width` wide."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
    except csv.Error:
        return None
    if not rows or any(len(row) != width for row in rows):
        return None
    return [list(column) for column in zip(*rows, strict=True)]


@QUICK
@given(csv_text, st.integers(1, 4))
def test_plain_text_is_read_as_the_csv_module_reads_it(text: str, width: int) -> None:
    if not text.endswith("\n"):
        text += "\n"  # blocks hold whole records
    plain = _plain(text, width)
    if plain is not None:
        assert plain == _csv_columns(text, width)


@QUICK
@given(st.lists(st.lists(st.text(alphabet="ab1 é-.", max_size=5), min_size=3, max_size=3)))
def test_rows_without_quotes_take_the_fast_path(rows: list[list[str]]) -> None:
    rows = [row for row in rows if any(row)]  # a row of blanks only would be a bare ",,"
    text = "".join(",".join(row) + "\r\n" for row in rows)
    if rows:
        assert _plain(text, 3) == [list(c) for c in zip(*rows, strict=True)]


@pytest.mark.parametrize(
    "text",
    [
        'a,"b\nc",d\n',  # a quoted newline
        "a,b,c\n\nd,e,f\n",  # a blank line, which the csv module skips
        "a,b,c\nd,e\n",  # a short row
        "a,b,c,d\nd,e\n",  # and a long one: together as many fields as two good rows
        "a,b,c\rd,e,f\n",  # a lone CR ends a record for the csv module
        "a,b\x00,c\n",  # the csv module refuses NUL
    ],
)
def test_what_the_csv_module_must_read(text: str) -> None:
    assert _plain(text, 3) is None


def test_a_field_longer_than_the_csv_module_allows_is_left_to_it() -> None:
    long = "x" * (csv.field_size_limit() + 1)
    assert _plain(f"a,{long},c\n", 3) is None
    assert _plain(f"a,{long[:1000]},c\n", 3) == [["a"], [long[:1000]], ["c"]]


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("a,b\nc,d\n", 4),
        ('"a\nb",c\nd,e\n', 8),  # a newline inside quotes does not end the header
        ('"a""\n",b\nc\n', 9),
        ("a,b", 0),
        ('"a\nb', 0),
    ],
)
def test_the_first_record_ends_at_its_first_newline_outside_quotes(text: str, end: int) -> None:
    assert _first_record_end(text) == end
