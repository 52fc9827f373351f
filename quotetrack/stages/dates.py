"""One reader of dates, for every place a date is read: feed entries and page metadata (``iso_date``),
and dates written in an article's text (``DATE``, ``date_of``, ``date_line``): "May 23, 2023",
"23 May 2023", "Tue 23 May 2023 09.12 BST", "23rd of May, 2023", "Sept. 5, 2023", "2023-05-23".

The month names are one table (``MONTHS``); a date that does not exist ("February 30") is none.
"""

from __future__ import annotations

import datetime as dt
import email.utils

import regex

MONTHS = {name: number for number, names in enumerate((
    "jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
    "sep sept september", "oct october", "nov november", "dec december"), start=1) for name in names.split()}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))  # the longest first: "sept" before "sep"
_WRITTEN = rf"""
    (?: (?P<month>{_MONTH}) \.?\s+ (?P<day>\d{{1,2}}) (?:st|nd|rd|th)? ,?\s+ (?P<year>(?:19|20)\d\d)
      | (?P<day>\d{{1,2}}) (?:st|nd|rd|th)? \s+ (?:of\s+)? (?P<month>{_MONTH}) \.?,?\s+ (?P<year>(?:19|20)\d\d)
      | (?P<year>(?:19|20)\d\d)-(?P<month_number>\d\d)-(?P<day>\d\d) )"""
# A full date written out, anywhere in a line.
DATE = regex.compile(rf"(?xi) \b{_WRITTEN}\b")
# A line that only states a date: "Published: May 23, 2023 10:15 AM", "Tue 23 May 2023 09.12 BST", "2023-05-23".
DATE_LINE = regex.compile(rf"""(?xi)
    (?: (?:published|posted|updated|date) \s*:?\s* )?
    (?: (?:mon|tue|wed|thu|fri|sat|sun)[a-z]{{0,6}} \.?,?\s+ )?
    {_WRITTEN}
    (?: ,?\s+ (?:at\s+)? \d{{1,2}}[:.]\d{{2}} (?:\s*[ap]\.?m\.?)? (?:\s+(?-i:[A-Z]{{2,4}}))? )? \s*""")
_ISO_DATE = regex.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def date_of(match: regex.Match) -> str | None:
    """The ISO date (``2023-05-23``) a match of ``DATE`` or ``DATE_LINE`` writes, or None if no such day."""
    month = int(match["month_number"]) if match["month_number"] else MONTHS[match["month"].lower()]
    try:
        return dt.date(int(match["year"]), month, int(match["day"])).isoformat()
    except ValueError:  # "February 30"
        return None


def date_line(line: str) -> str | None:
    """The ISO date a line that only states a date (``DATE_LINE``) gives; None for any other line."""
    match = DATE_LINE.fullmatch(line.strip())
    return date_of(match) if match else None


def iso_date(value) -> str | None:
    """A date or time as ISO 8601 (``2023-05-23`` or ``2023-05-23T10:15:00+00:00``), from the forms feeds
    and pages use: ISO 8601 itself, RFC 822 (``Tue, 23 May 2023 10:15:00 GMT``), a ``time.struct_time``
    (as feedparser gives, in UTC) or a date written out (``May 23, 2023``). ``None`` when it cannot be read."""
    if value is None:
        return None
    if isinstance(value, tuple):  # time.struct_time, UTC
        return dt.datetime(*value[:6], tzinfo=dt.UTC).isoformat()
    value = str(value).strip()
    if match := _ISO_DATE.fullmatch(value):
        text = match.group().replace(" ", "T")
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed.date().isoformat() if len(text) == 10 else parsed.isoformat()
    try:
        return email.utils.parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        return date_line(value)
