#!/usr/bin/env python3
"""The named peer for the chronology-import bar: pandas read_csv plus dateutil parsing of the
date column (day first, fuzzy), and nothing else: no validation, no storage.

Usage: bench/pandas_chronology.py FILE.csv   (prints seconds, rows)
"""
import sys
import time

import pandas as pd
from dateutil import parser


def parse(value):
    try:
        return parser.parse(value, dayfirst=True, fuzzy=True)
    except (ValueError, OverflowError):
        return None


def main():
    started = time.perf_counter()
    frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
    dates = [parse(f"{d} {t}".strip()) for d, t in zip(frame["Date"], frame["Time"])]
    took = time.perf_counter() - started
    print(f"{took:.3f} {len(dates)}")


if __name__ == "__main__":
    main()
