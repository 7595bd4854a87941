"""Checks the CSV exports as LibreOffice Calc opened them (converted to .xlsx in WORK/xlsx).

Each cell of each sheet against the CSV: date columns hold dates (not text), times times, number
columns numbers, and every text cell the CSV's text exactly (accents, quotes, line breaks).
"""

import csv
import datetime
import pathlib
import sys

import openpyxl

DATES = {"Due", "Latest evidence recorded", "Date", "Until"}
TIMES = {"Time"}
NUMBERS = {"Year", "Finding", "Pattern number", "Source row"}


def fail(message):
    print(f"interop: {message}", file=sys.stderr)
    sys.exit(1)


work = pathlib.Path(sys.argv[1])
sheets = dates = texts = 0
for source in sorted([work / "library.csv", work / "actions.csv", *(work / "reviews").glob("*.chronology.csv")]):
    raw = source.read_bytes()
    if not raw.startswith(b"\xef\xbb\xbf"):
        fail(f"{source.name} has no UTF-8 byte-order mark")
    with open(source, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    book = openpyxl.load_workbook(work / "xlsx" / (source.stem + ".xlsx"))
    sheet = book.active
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    if len(got) != len(rows):
        fail(f"{source.name}: Calc shows {len(got)} rows, the file has {len(rows)}")
    headings = rows[0]
    for r, (want, have) in enumerate(zip(rows[1:], got[1:]), start=2):
        for heading, text, value in zip(headings, want, have):
            where = f"{source.name} row {r} column {heading!r}"
            if text == "":
                if value not in (None, ""):
                    fail(f"{where}: empty in the file, {value!r} in Calc")
            elif heading in DATES:
                if not isinstance(value, datetime.datetime) or value.date().isoformat() != text:
                    fail(f"{where}: {text!r} is {value!r} in Calc, not that date")
                dates += 1
            elif heading in TIMES:
                if not isinstance(value, datetime.time) or value.strftime("%H:%M") != text:
                    fail(f"{where}: {text!r} is {value!r} in Calc, not that time")
            elif heading in NUMBERS:
                if value != int(text):
                    fail(f"{where}: {text!r} is {value!r} in Calc, not that number")
            else:
                shown = str(value)
                if shown != text:
                    fail(f"{where}: Calc shows {shown[:60]!r}, the file says {text[:60]!r}")
                texts += 1
    sheets += 1
print(f"interop: {sheets} CSV files open in LibreOffice Calc with {dates} dates as dates and {texts} texts intact")
