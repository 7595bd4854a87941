#!/usr/bin/env python3
"""Writes a synthetic agency chronology CSV with mixed UK date habits (deterministic).

Usage: bench/make_chronology.py ROWS OUT.csv
Fictional text only; the dates cover every habit the importer reads: dd/mm/yyyy, dd/mm/yy,
"12 March 2019", "March 2019", "2019", "approx. spring 2020", "w/c 4 May 2020", with times on
some rows, and a quoted multi-line cell now and then.
"""
import csv
import random
import sys

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
ROLES = ["Health visitor", "GP", "Social worker", "PC on response team", "Class teacher",
         "School nurse", "Midwife", "Family support worker"]
KINDS = ["Home visit", "Telephone call", "Strategy meeting", "Clinic appointment",
         "Referral", "School contact", "Case note"]
WORDS = ("mother father child seen visit concerns reported bruise school nursery attendance "
         "referral strategy meeting discussed plan agreed follow up review health appointment "
         "missed unwell tired hungry housing support outcome shared information agency").split()


def date_text(rng):
    y = rng.randint(2012, 2023)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    kind = rng.random()
    if kind < 0.40:
        text = f"{d:02d}/{m:02d}/{y}"
    elif kind < 0.55:
        text = f"{d:02d}/{m:02d}/{y % 100:02d}"
    elif kind < 0.75:
        text = f"{d} {MONTHS[m - 1]} {y}"
    elif kind < 0.85:
        text = f"{MONTHS[m - 1]} {y}"
    elif kind < 0.90:
        text = str(y)
    elif kind < 0.95:
        text = f"approx. {rng.choice(['spring', 'summer', 'autumn'])} {y}"
    else:
        text = f"w/c {d} {MONTHS[m - 1]} {y}"
    return text


def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261128)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Date", "Time", "Practitioner", "Contact type", "Details"])
        for i in range(rows):
            date = date_text(rng)
            time = f"{rng.randint(8, 18):02d}:{rng.choice(['00', '15', '30', '45'])}" \
                if "/" in date and rng.random() < 0.5 else ""
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + "."
            if rng.random() < 0.05:
                text += "\nFollow-up: " + " ".join(rng.choice(WORDS) for _ in range(6)) + "."
            w.writerow([date, time, rng.choice(ROLES), rng.choice(KINDS), text])


if __name__ == "__main__":
    main()
