"""Streaming readers: CSV, a JSON array, or NDJSON, parsed as the bytes arrive.

Memory stays flat however large the body: text is decoded incrementally, and only complete records
are parsed. Plain CSV (no quotes, every row as wide as the header: nearly every block of a large
file) is split on commas and newlines straight into columns, with no object per row; anything
else is read by the csv module. Bytes that are not UTF-8 are kept (as surrogate escapes) so the
report can point at the row and field that holds them instead of failing the whole file at the
first one.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from contextlib import aclosing
from itertools import repeat
from typing import Any

from hub.ingest.spec import Format
from hub.ingest.validate import Block, Records, RowValidator

MAX_RECORD_CHARS = 1 << 20  # a single record longer than this is refused
_SURROGATE = re.compile("[\udc80-\udcff]")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NOT_UTF8 = "is not valid UTF-8 (save the file as UTF-8)"
_UTF16_BOMS = ("\udcff\udcfe", "\udcfe\udcff")  # FF FE and FE FF, which UTF-8 cannot start with


class Stop(Exception):
    """The rest of the body cannot be read as records (the problem has been reported)."""


async def decoded(body: AsyncIterator[bytes], validator: RowValidator) -> AsyncGenerator[str, None]:
    """UTF-8 text of the body; a UTF-8 byte-order mark is dropped, UTF-16 is refused."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    head: str | None = ""  # the first characters, until the byte-order mark is decided
    async for chunk in body:
        text = decoder.decode(chunk)
        if head is not None:
            head += text
            if len(head) < 2:
                continue
            text, head = _start(head, validator), None
        if text:
            yield text
    text = (head or "") + decoder.decode(b"", final=True)
    if text:
        yield _start(text, validator) if head is not None else text


def _start(text: str, validator: RowValidator) -> str:
    if text.startswith(_UTF16_BOMS):
        validator.problems.add(None, None, None, "the file is UTF-16: send UTF-8")
        raise Stop
    return text.removeprefix("\ufeff")


def _record_end(text: str) -> int:
    """Where the last complete CSV record of `text` ends (0: none yet).

    A newline ends a record only outside quotes, i.e. after an even number of quote characters.
    """
    end = text.rfind("\n")
    while end >= 0 and text.count('"', 0, end) % 2:
        end = text.rfind("\n", 0, end)
    return end + 1


def _first_record_end(text: str) -> int:
    """Where the first CSV record of `text` ends (0: not in `text`)."""
    end, quotes = text.find("\n"), 0
    start = 0
    while end >= 0:
        quotes += text.count('"', start, end)
        if quotes % 2 == 0:
            return end + 1
        start, end = end, text.find("\n", end + 1)
    return 0


def _plain(text: str, width: int) -> list[list[str]] | None:
    """The columns of `text` (whole records) when it is plain CSV, read by splitting, without
    an object per row; None when the csv module must read it.

    Plain: no quote, NUL or lone CR, no blank line, no field over the csv module's limit, and
    every record exactly `width` fields. The csv module reads such text into the same fields.
    """
    if '"' in text or "\x00" in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    text = text.removesuffix("\n")
    lines = text.split("\n")
    if "" in lines or set(map(str.count, lines, repeat(","))) != {width - 1}:
        return None
    limit = csv.field_size_limit()
    if len(text) > limit and max(map(len, lines)) > limit:
        return None  # perhaps a field is longer than the csv module allows: let it say so
    fields = text.replace("\n", ",").split(",")
    return [fields[i::width] for i in range(width)]


def _columns(rows: list[list[str]], width: int) -> Sequence[Sequence[str]]:
    return list(zip(*rows, strict=True)) if rows else [()] * width


class _Csv:
    def __init__(self, validator: RowValidator) -> None:
        self.v = validator
        self.row = 0
        self.header: list[str] | None = None
        self.plan: list[int | None] | None = None

    def blocks(self, text: str) -> Iterator[Block]:
        """The valid records of `text`, which holds whole CSV records.

        Until the header is read, one record at a time: the header (and any blank or unreadable
        lines before it) is read carefully, the rest of the text as any later block.
        """
        while self.header is None and text:
            end = _first_record_end(text) or len(text)
            yield self.block(text[:end])
            text = text[end:]
        if text:
            yield self.block(text)

    def block(self, text: str) -> Block:
        """The valid records of `text`, which holds whole CSV records."""
        dirty = not text.isascii() and _SURROGATE.search(text) is not None
        plain = None if self.header is None or dirty else _plain(text, len(self.header))
        numbers: Sequence[int]
        columns: Sequence[Sequence[str]]
        if plain is not None:
            first = self.row + 1
            self.row += len(plain[0])
            numbers, columns = range(first, self.row + 1), plain
        else:
            numbers, rows = self._rows(text, dirty)
            columns = _columns(rows, len(self.header or ()))
        self.v.rows = self.row
        if self.plan is None:
            return Block.of([], self.v.width)
        return self.v.block(numbers, columns, self.plan)

    def _rows(self, text: str, dirty: bool) -> tuple[list[int], list[list[str]]]:
        """Row numbers and fields of the records of `text` that are as wide as the header."""
        try:
            parsed = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            parsed = None  # read it again record by record, to say which one is wrong
        if parsed is None or dirty or self.header is None:
            return self._careful(text, dirty)
        if [] in parsed:
            parsed = [fields for fields in parsed if fields]
        first = self.row + 1
        self.row += len(parsed)
        numbers = list(range(first, self.row + 1))
        if set(map(len, parsed)) != {len(self.header)}:
            return self._same_width(numbers, parsed)
        return numbers, parsed

    def _careful(self, text: str, dirty: bool) -> tuple[list[int], list[list[str]]]:
        numbers: list[int] = []
        rows: list[list[str]] = []
        reader = csv.reader(io.StringIO(text))
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return self._same_width(numbers, rows)
            except csv.Error as error:
                self.row += 1
                self.v.problems.add(self.row, None, None, f"cannot be read as CSV: {error}")
                continue
            if not fields:
                continue
            if self.header is None:
                self.header = fields
                self.plan = self.v.plan(fields)
                if dirty and any(_SURROGATE.search(name) for name in fields):
                    self.v.problems.add(None, None, ",".join(fields), "header " + _NOT_UTF8)
                continue
            self.row += 1
            if not (dirty and _bad_text(self.v, self.row, self.header, fields)):
                numbers.append(self.row)
                rows.append(fields)

    def _same_width(
        self, numbers: list[int], rows: list[list[str]]
    ) -> tuple[list[int], list[list[str]]]:
        """The rows as wide as the header; the others are problems."""
        if not rows:  # e.g. a block of blank lines before the header
            return numbers, rows
        assert self.header is not None
        width = len(self.header)
        kept_numbers, kept = [], []
        for number, fields in zip(numbers, rows, strict=True):
            if len(fields) == width:
                kept_numbers.append(number)
                kept.append(fields)
            else:
                reason = f"has {len(fields)} values; the header has {width} columns"
                self.v.problems.add(number, None, ",".join(fields), reason)
        return kept_numbers, kept


def _bad_text(v: RowValidator, row: int, names: list[str], values: list[Any]) -> bool:
    bad = False
    for index, value in enumerate(values):  # the row may be wider or narrower than the header
        if isinstance(value, str) and _SURROGATE.search(value):
            v.problems.add(row, names[index] if index < len(names) else None, value, _NOT_UTF8)
            bad = True
    return bad


async def read_csv(
    text: AsyncIterator[str], validator: RowValidator
) -> AsyncGenerator[Block, None]:
    parser = _Csv(validator)
    pending = ""
    async for chunk in text:
        pending += chunk
        end = _record_end(pending)
        if end:
            records, pending = pending[:end], pending[end:]
            for block in parser.blocks(records):
                yield block
        elif len(pending) > MAX_RECORD_CHARS:
            reason = "no end of record within 1 MiB: is a quote character unbalanced?"
            validator.problems.add(parser.row + 1, None, None, reason)
            raise Stop
    if pending.count('"') % 2:
        reason = "ends inside a quoted value: the file is truncated, or a quote is unbalanced"
        validator.problems.add(parser.row + 1, None, pending[:80], reason)
    elif pending.strip():
        for block in parser.blocks(pending):
            yield block
    if parser.header is None:
        validator.problems.add(None, None, None, "the file is empty: no header row")


class _Json:
    """A JSON array of objects, or (lines=True) one object per line, decoded element by element."""

    def __init__(self, validator: RowValidator, lines: bool) -> None:
        self.v = validator
        self.lines = lines
        self.decoder = json.JSONDecoder()
        self.row = 0
        self.state = "item" if lines else "start"  # start, first, item, after, end
        self.buf = ""
        self.pos = 0
        self.dirty = False

    def _skip(self) -> str | None:
        self.pos = _WHITESPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
        return self.buf[self.pos] if self.pos < len(self.buf) else None

    def feed(self, text: str, eof: bool = False) -> Records:
        self.buf = self.buf[self.pos :] + text
        self.pos = 0
        self.dirty = _SURROGATE.search(self.buf) is not None
        out: Records = []
        while (char := self._skip()) is not None:
            if self.state == "start":
                if char != "[":
                    self._stop("a JSON body is an array of objects: [{...}, {...}]")
                self.state, self.pos = "first", self.pos + 1
            elif self.state in ("first", "item"):
                if char == "]" and self.state == "first":
                    self.state, self.pos = "end", self.pos + 1
                    continue
                if not self._element(out, eof):
                    break
            elif self.state == "after":
                if char not in ",]":
                    self._stop(f"expected ',' or ']' after row {self.row}, found {char!r}")
                self.state, self.pos = ("item", "end")[char == "]"], self.pos + 1
            else:
                self._stop("unexpected data after the end of the JSON array")
        if len(self.buf) - self.pos > MAX_RECORD_CHARS:
            self._stop("a record is longer than 1 MiB, or the JSON is malformed")
        return out

    def _element(self, out: Records, eof: bool) -> bool:
        try:
            element, end = self.decoder.raw_decode(self.buf, self.pos)
        except json.JSONDecodeError as error:
            if eof:
                self._stop(f"invalid JSON in row {self.row + 1}: {error.msg}")
            return False
        if end == len(self.buf) and not eof and not isinstance(element, dict):
            return False  # a number may go on in the next chunk
        self.pos = end
        self.row += 1
        self.v.rows = self.row
        self.state = "item" if self.lines else "after"
        if not isinstance(element, dict):
            self.v.problems.add(self.row, None, json.dumps(element), "is not a JSON object")
        elif not (self.dirty and _bad_text(self.v, self.row, [*element], [*element.values()])):
            record = self.v.from_mapping(self.row, element)
            if record is not None:
                out.append((self.row, record))
        return True

    def finish(self) -> Records:
        out = self.feed("", eof=True)
        if self.state in ("start", "first", "after") and not self.lines:
            self._stop("the JSON array is not closed: the file may be truncated")
        return out

    def _stop(self, reason: str) -> None:
        self.v.problems.add(self.row + 1 if self.row else None, None, None, reason)
        raise Stop


async def read_json(
    text: AsyncIterator[str], validator: RowValidator, lines: bool
) -> AsyncGenerator[Block, None]:
    parser = _Json(validator, lines)
    async for chunk in text:
        yield Block.of(parser.feed(chunk), validator.width)
    yield Block.of(parser.finish(), validator.width)


async def read(
    fmt: Format, body: AsyncIterator[bytes], validator: RowValidator
) -> AsyncGenerator[Block, None]:
    """Blocks of valid records as the body streams in; problems go to the validator's list.

    Raises Stop when the rest of the body cannot be read (after reporting why).
    """
    async with aclosing(decoded(body, validator)) as text:
        if fmt is Format.CSV:
            inner = read_csv(text, validator)
        else:
            inner = read_json(text, validator, lines=fmt is Format.NDJSON)
        async with aclosing(inner) as blocks:
            async for records in blocks:
                yield records
