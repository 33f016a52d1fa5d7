"""Write the sample sheet: records.csv, records.xlsx (the same rows) and planted-faults.csv.

Run ``python data-samples/make_samples.py [--out DIR]``; the seed is fixed, so a re-run writes
byte-identical files. The rows look like a line-of-business export for the sample connection
beside this file. About 20% carry mess that validation should silently fix; about 5% carry one
planted fault each (a duplicated row key faults every row holding it), listed in
planted-faults.csv as (row position, the connection's display name, rule code).
Avoided on purpose: texts pandas reads as missing ("N/A", "null"...), which would turn a planted
fault into a blank, and strings starting with "=", which a spreadsheet reads as formulas.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
SEED = 20240602
N_ROWS = 2400
MESSY_SHARE = 0.2
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
FIXED_STAMP = dt.datetime(2025, 1, 1)


def json_file(name: str) -> dict:
    """One of the sample connection's JSON files."""
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def on(column: str, values: str) -> list[tuple[str, str | None]]:
    """Faults in ``column``, one per "|"-separated value."""
    return [(column, v) for v in values.split("|")]


DEPARTMENTS: list[str] = json_file("choices.json")["Department"]
REGIONS: list[str] = json_file("choices.json")["Regions"]

#: (display name in the connection, header as the export writes it), in the export's order.
COLUMNS: list[tuple[str, str]] = [
    ("Row key", "Row Key"),
    ("Name", "Name"),
    ("Classification", "Classification"),
    ("Department", "Department"),
    ("Vendor Name", "Vendor Name"),
    ("Description", "Description"),
    ("Document Date", "Document Date"),
    ("Contract Value", "Contract Value"),
    ("Regions", "Regions"),
    ("Record Owner", "Record Owner"),
    ("Business Area", "Business Area"),
    ("Created time", "Created Time"),
    ("Created by", "Created By"),
    ("Modified time", "modified_time"),
    ("Modified by", "Modified By"),
]
REQUIRED = ["Row key", "Name", "Created time", "Modified time", "Created by", "Modified by"]

#: rule -> (column, text written, or None for an empty cell) of each planted fault. The cells of
#: "single_line", "datetime_ambiguous" and "modified_before_created" faults are made from the row.
FAULTS: dict[str, list[tuple[str, str | None]]] = {
    "required": [(c, v) for c in REQUIRED for v in (None, "  ")] + [("Row key", None), ("Name", " ")],
    "single_line": [(c, None) for c in ("Name", "Vendor Name", "Row key", "Created by", "Modified by") * 2],
    "datetime": on("Created time", "next Tuesday|2023-13-45|31/02/2021|TBD")
    + on("Modified time", "2021-02-30|32/01/2020|unknown")
    + on("Document Date", "see scan|2019-00-12|Q5 2020"),
    "datetime_ambiguous": [(c, None) for c in ("Created time", "Modified time", "Document Date") * 3],
    "modified_before_created": [("Modified time", None)] * 8,
    "number": on("Contract Value", "twelve|1.2.3|12 EUR|1,234.50|$1500|approx. 300|12,5|5k"),
    "finite": on("Contract Value", "inf|-inf|inf|-inf|inf|-inf"),
    "choice": on("Department", "Finanse|7|0|HR|Marketing|Legal Dept|Human Resource|-1"),
    "choices": on("Regions", "Antarctica|Europe; Mars|9|0|EMEA|North America; 6|APAC|Europe, Antarctica"),
    "email": on(
        "Record Owner",
        "bob|ann@|Ann Lee <ann.contoso.com>|@contoso.com|ann.lee@contoso.com; bob|"
        "Records Team|ann@@contoso.com|j.smith at contoso.com",
    ),
    "taxonomy_path": on("Classification", "Finance//Audit|Legal/|/Human Resources/Recruitment|Finance/ /Audit")
    + on("Business Area", "Corporate//Procurement|Retail/|/Shared Services/IT|Manufacturing/ /Plant North"),
    "taxonomy_term": on(
        "Classification",
        "Finance/Payroll|HR/Personnel Files|Legal/Contracts/2019|Finance|Sales/Leads|Operations/Fleet|IT/Change Request",
    ),
}
#: Groups of rows sharing a row key: how many rows, and how the copies write it ("pad": outer spaces).
UNIQUE_GROUPS: list[tuple[int, str]] = [(2, "same"), (2, "pad"), (2, "same"), (2, "numeric"), (2, "pad"), (3, "same")]

PEOPLE = (
    "Ann Lee|Bob Kelly|José Álvarez|Priya Natarajan|Chen Wei|Fatima Haddad|Tom Becker|Olga Ivanova|"
    "Kenji Sato|Grace O'Neill|Liam Murphy|Amara Okafor|Sofia Rossi|Lars Nilsson|Mei Lin|David Cohen|"
    "Aisha Rahman|Pierre Dubois|Hannah Schmidt|Carlos Mendes|Nina Kowalski|Raj Patel|Emily Clark|"
    "Yusuf Demir|Sara Johansson"
).split("|")
GROUPS = ["legal@contoso.com", "records@contoso.com", "finance-team@contoso.com", "hr-ops@contoso.com"]
VENDORS = (
    "Fabrikam, Inc.|Northwind Traders|Contoso Pharmaceuticals|Adventure Works Cycles|Litware, Inc.|"
    "Tailspin Toys|Wide World Importers|Proseware, Inc.|Woodgrove Bank|Coho Winery|Alpine Ski House|"
    "Lucerne Publishing|Margie's Travel|Blue Yonder Airlines|Trey Research|Fourth Coffee|"
    "Humongous Insurance|City Power & Light|Wingtip Toys|Relecloud|A. Datum Corporation|"
    "Consolidated Messenger|Müller Logistik GmbH|Société Générale de Services|Southridge Video"
).split("|")
AREAS = (
    "Corporate/Procurement|Corporate/Finance|Corporate/People|Retail/Stores|Retail/E-commerce|"
    "Manufacturing/Plant North|Manufacturing/Plant South|Shared Services/IT|Shared Services/Legal"
).split("|")
SERVICES = (
    "office supplies|cloud hosting|facility cleaning|freight to the Rotterdam warehouse|laptop leasing|"
    "consulting (phase 2)|catering for the annual kick-off|software licences"
).split("|")
CHANGES = (
    "Upgrade SQL cluster|Rotate TLS certificates|Patch file servers|Migrate mailboxes|Decommission legacy CRM|Add VPN capacity"
).split("|")
CONTRACTS = "Master services agreement|NDA|Statement of work|Maintenance contract|Lease agreement".split("|")

#: kind of document -> (weight, term, departments, has a vendor, has a value).
KINDS: dict[str, tuple[int, str, list[str], bool, bool]] = {
    "ap": (30, "Finance/Accounts Payable", ["Finance"], True, True),
    "ar": (12, "Finance/Accounts Receivable", ["Finance", "Sales"], True, True),
    "audit": (4, "Finance/Audit", ["Finance"], False, False),
    "personnel": (12, "Human Resources/Personnel Files", ["Human Resources"], False, False),
    "recruit": (8, "Human Resources/Recruitment", ["Human Resources"], False, False),
    "contract": (14, "Legal/Contracts", ["Legal", "Operations", "IT", "Sales"], True, True),
    "litigation": (3, "Legal/Litigation", ["Legal"], False, False),
    "letter": (10, "Operations/Correspondence", ["Operations", "Sales"], True, False),
    "change": (7, "IT/Change Requests", ["IT"], False, False),
}
DATE_STYLES = ["base_text", "iso_t", "minutes", "words", "us_words", "ymd_slash", "slash", "serial"]
DAY_STYLES = ["base_text", "words", "ymd_slash", "slash", "serial"]

Fault = tuple[int, str, str]  # (row, column display name, rule)


@dataclass(frozen=True)
class Cell:
    """One cell as the CSV writes it and as the workbook holds it (None: an empty cell)."""

    csv: str
    xlsx: object


BLANK = Cell("", None)


@dataclass
class Record:
    """One row's meaning, before it is written out."""

    key: str
    name: str
    term: str | None
    created: dt.datetime
    modified: dt.datetime
    created_by: str
    modified_by: str
    vendor: str | None
    description: str | None
    doc_date: dt.datetime | None
    department: str
    regions: list[str]
    owners: list[str]
    value: float | None
    area: str | None


def email(person: str) -> str:
    """ann.lee@contoso.com for "Ann Lee" (accents and apostrophes dropped)."""
    plain = person.translate(str.maketrans("ÁÉÍÓÚáéíóúü", "AEIOUaeiouu")).replace("'", "")
    return plain.lower().replace(" ", ".") + "@contoso.com"


def user(rng: random.Random, person: str) -> str:
    """How an export names a user: alee, CONTOSO\\alee or an email."""
    first, last = email(person).split("@")[0].split(".")
    return rng.choice([first[0] + last, first[0] + last, "CONTOSO\\" + first[0] + last, email(person)])


def make_record(rng: random.Random, counters: Counter[str]) -> Record:
    """A clean record of a random kind of document."""
    kind = rng.choices(list(KINDS), weights=[k[0] for k in KINDS.values()])[0]
    _, term, departments, has_vendor, has_value = KINDS[kind]
    counters[kind] += rng.randint(1, 9)
    n = counters[kind]
    created = dt.datetime(2012, 1, 2) + dt.timedelta(
        days=rng.randint(0, 4930), minutes=rng.randint(420, 1190), seconds=rng.randint(0, 59)
    )
    year = created.year
    key = {
        "ap": f"INV-{year}-{n:06d}",
        "ar": f"AR-{year}-{n:05d}",
        "audit": f"AUD-{year}-{n:03d}",
        "personnel": f"HR-EMP-{n:05d}",
        "recruit": f"REC-{year}-{n:04d}",
        "contract": f"CTR-{year}-{n:04d}",
        "litigation": f"LIT-{n:04d}",
        "letter": f"COR-{year}{created.month:02d}-{n:04d}",
        "change": f"CHG{30000 + n:07d}",
    }[kind]
    if kind == "ap" and rng.random() < 0.35:  # the ERP's document number
        counters["erp"] += rng.randint(1, 9)
        key = f"51{23000 + counters['erp']:08d}"
    vendor = rng.choice(VENDORS) if has_vendor else None
    person, author = rng.choice(PEOPLE), rng.choice(PEOPLE)
    name, description = {
        "ap": (f"Invoice F{rng.randint(10000, 99999)} - {vendor}.pdf", f"Invoice for {rng.choice(SERVICES)}."),
        "ar": (f"Customer invoice {key} - {vendor}.pdf", f"Billed to {vendor}, net 30 days."),
        "audit": (f"Internal audit report FY{year} Q{rng.randint(1, 4)}.docx", "Findings and management response."),
        "personnel": (f"Personnel file - {person}.pdf", f"Employment records of {person}."),
        "recruit": (
            f"{rng.choice(['CV', 'Offer letter', 'Interview notes'])} - {person}.pdf",
            f'Application for the "{rng.choice(["Analyst", "Engineer", "Manager"])}" role.',
        ),
        "contract": (f"{rng.choice(CONTRACTS)} - {vendor} ({year}).docx", f"Signed by {author} for Contoso."),
        "litigation": (f"Case {year}-{n:03d} - {rng.choice(VENDORS)} v. Contoso.pdf", "Privileged. Do not forward."),
        "letter": (f"Letter to {vendor} {created:%Y-%m-%d}.msg", f"Reply to {vendor}, follow-up on delivery."),
        "change": (f"{key} {rng.choice(CHANGES)}.msg", f"{rng.choice(CHANGES)}; approved by CAB."),
    }[kind]
    roll = rng.random()
    if roll < 0.1:
        description = None
    elif roll < 0.35:
        description += f"\nApproved by {author}, {created:%d %b %Y}.\nRef: {key}"
    modified = created  # 5% never modified; the others at least a day later, so any date style keeps the order
    if rng.random() >= 0.05:
        modified = min(
            created + dt.timedelta(days=rng.randint(1, 1100), minutes=rng.randint(0, 300)), dt.datetime(2025, 12, 31, 17, 0)
        )
    doc_date = None
    if has_vendor or rng.random() < 0.5:
        doc_date = dt.datetime.combine(created.date() - dt.timedelta(days=rng.randint(0, 45)), dt.time())
    regions = rng.sample(REGIONS, rng.choice([0, 1, 1, 1, 2, 2, 3]))
    owners = [email(rng.choice(PEOPLE))] if rng.random() < 0.9 else []
    if rng.random() < 0.1:
        owners.append(rng.choice(GROUPS))
    value = round(rng.lognormvariate(8, 1.5), 2) if has_value and rng.random() < 0.9 else None
    return Record(
        key,
        name,
        term if rng.random() > 0.08 else None,
        created,
        modified,
        user(rng, author),
        user(rng, rng.choice(PEOPLE)),
        vendor,
        description,
        doc_date,
        rng.choice(departments),
        regions,
        owners,
        value,
        rng.choice(AREAS) if rng.random() > 0.15 else None,
    )


def text(value: str | None) -> Cell:
    """A text cell, empty for None."""
    return BLANK if value is None else Cell(value, value)


def key_cell(key: str) -> Cell:
    """A row key: in the workbook, a key that looks like a whole number is stored as one."""
    return Cell(key, int(key) if key.isdigit() and not key.startswith("0") else key)


def date_cell(rng: random.Random, when: dt.datetime, style: str, with_time: bool) -> tuple[Cell, dt.datetime]:
    """A date-time written in ``style``, and the value that writing stands for.

    "base" is an Excel date in the workbook; "serial" an Excel serial number in both files;
    the other styles are text in the CSV and, in the workbook, either that text or an Excel date.
    """
    if style == "slash" and when.day <= 12 and when.day != when.month:
        style = "words"  # that slash date would be ambiguous: a fault, not mess
    if style in ("base", "base_text"):
        shown = when.strftime("%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d")
        return Cell(shown, when if style == "base" else shown), when
    if style == "serial":
        if with_time:  # a multiple of 45 minutes (1/32 day) is exact in binary
            minutes = 45 * round((when.hour * 60 + when.minute) / 45)
            when = dt.datetime.combine(when.date(), dt.time()) + dt.timedelta(minutes=minutes)
        serial = (when - EXCEL_EPOCH) / dt.timedelta(days=1)
        number: float | int = serial if with_time else int(serial)
        return Cell(repr(number), number), when
    day = dt.datetime.combine(when.date(), dt.time())
    minute = when.replace(second=0)
    hour12 = (when.hour - 1) % 12 + 1
    shown, meant = {
        "iso_t": (when.strftime("%Y-%m-%dT%H:%M:%S"), when),
        "minutes": (when.strftime("%Y-%m-%d %H:%M"), minute),
        "words": (f"{when.day} {when:%B %Y}", day),
        "us_words": (f"{when:%B} {when.day}, {when.year} {hour12}:{when.minute:02d} {when:%p}", minute),
        "ymd_slash": (when.strftime("%Y/%m/%d"), day),
        "slash": (rng.choice([f"{when.day:02d}/{when.month:02d}/{when.year}", f"{when.month}/{when.day}/{when.year}"]), day),
    }[style]
    meant = meant if with_time else day
    return Cell(shown, meant if rng.random() < 0.5 else shown), meant


def ambiguous_date(rng: random.Random, when: dt.datetime) -> str:
    """A slash date whose day and month could be read either way round."""
    day, month = rng.sample(range(1, 13), 2)
    return f"{day:02d}/{month:02d}/{when.year}" if rng.random() < 0.7 else f"{day}/{month}/{when.year}"


def pad(rng: random.Random, value: str) -> str:
    """The value with outer spaces, as exports leave them."""
    return rng.choice([f" {value}", f"{value}  ", f"  {value} ", f"{value} "])


def messy_regions(rng: random.Random, names: list[str]) -> str:
    """Regions written another acceptable way: other case, orders, [orders], ', ' separated."""
    orders = [str(REGIONS.index(n) + 1) for n in names]
    forms = [
        ", ".join(orders),
        "[" + ",".join(orders) + "]",
        "; ".join(orders),
        "; ".join(n.lower() if i % 2 else n.upper() for i, n in enumerate(names)),
    ]
    if not any("," in n for n in names):
        forms.append(", ".join(names))
    return rng.choice(forms)


def messy_owner(rng: random.Random, owners: list[str]) -> str:
    """Owners written another acceptable way: Name <address>, Last, First <address>, ', ' separated."""
    address = owners[0]
    first, _, last = address.split("@")[0].replace("-", " ").title().partition(".")
    forms = [f"{first} {last}".strip() + f" <{address}>", pad(rng, address)] + [", ".join(owners)] * (len(owners) > 1)
    return rng.choice(forms + [f"{last}, {first} <{address}>"] * bool(last))


def mess_kinds(rec: Record) -> list[str]:
    """The kinds of harmless mess that apply to this record."""
    kinds = ["spaces", "department"] + ["created", "modified"] * (rec.created != rec.modified)
    kinds += ["doc_date"] * (rec.doc_date is not None) + ["regions"] * bool(rec.regions)
    return kinds + ["owner"] * bool(rec.owners) + ["value"] * (rec.value is not None) + ["term"] * bool(rec.term)


def render(rng: random.Random, rec: Record, mess: list[str]) -> tuple[dict[str, Cell], dt.datetime, dt.datetime]:
    """One row's cells, messed up as ``mess`` says; also the created and modified times written."""
    styles = {c: rng.choice(DATE_STYLES) if c in mess else "base" for c in ("created", "modified")}
    created, created_meant = date_cell(rng, rec.created, styles["created"], True)
    modified, modified_meant = date_cell(rng, rec.modified, styles["modified"], True)
    doc_date = BLANK
    if rec.doc_date is not None:
        doc_date = date_cell(rng, rec.doc_date, rng.choice(DAY_STYLES) if "doc_date" in mess else "base", False)[0]
    department = rec.department
    if "department" in mess:
        department = rng.choice(
            [f"  {department.lower()} ", department.upper(), str(DEPARTMENTS.index(department) + 1), pad(rng, department)]
        )
    term = rec.term
    if "term" in mess and term:
        term = rng.choice([term.lower(), term.upper(), term.replace("/", " / "), pad(rng, term)])
    value = BLANK if rec.value is None else Cell(f"{rec.value:.2f}", rec.value)
    if "value" in mess and rec.value is not None:
        value = text(rng.choice([f"{rec.value:.2f}", f" {round(rec.value)} "]))
    cells = {
        "Row key": key_cell(rec.key),
        "Name": text(rec.name),
        "Classification": text(term),
        "Department": text(department),
        "Vendor Name": text(rec.vendor),
        "Description": text(rec.description),
        "Document Date": doc_date,
        "Contract Value": value,
        "Regions": text(messy_regions(rng, rec.regions) if "regions" in mess else "; ".join(rec.regions) or None),
        "Record Owner": text(messy_owner(rng, rec.owners) if "owner" in mess else "; ".join(rec.owners) or None),
        "Business Area": text(rec.area),
        "Created time": created,
        "Created by": text(rec.created_by),
        "Modified time": modified,
        "Modified by": text(rec.modified_by),
    }
    if "spaces" in mess:
        spaced = [
            c
            for c in ("Row key", "Name", "Vendor Name", "Description", "Created by", "Modified by", "Business Area")
            if cells[c].csv
        ]
        for column in rng.sample(spaced, rng.randint(1, 2)):
            cells[column] = text(pad(rng, cells[column].csv))
    return cells, created_meant, modified_meant


def line_break(value: str) -> str:
    """The value with a line break inside it (not at either end)."""
    middle = len(value) // 2
    space = value.find(" ", middle - 3)
    if 0 < space < len(value) - 1:
        return value[:space] + "\n" + value[space + 1 :]
    return value[:middle] + "\n" + value[middle:]


def plant(rng: random.Random, records: list[Record], rows: list[int]) -> tuple[dict[int, tuple[str, Cell]], list[Fault]]:
    """Plant one fault in each of ``rows``: the cells to overwrite (row -> column, cell), and the faults."""
    cells: dict[int, tuple[str, Cell]] = {}
    planted: list[Fault] = []
    todo = iter(rows)
    for rule, items in FAULTS.items():
        for column, value in items:
            row = next(todo)
            rec = records[row]
            planted.append((row, column, rule))
            if rule == "modified_before_created":  # no cell to overwrite: the record's times are wrong
                rec.modified = rec.created - dt.timedelta(days=rng.randint(0, 400), minutes=rng.randint(5, 600))
                continue
            cell = BLANK if value is None else text(value)
            if rule == "single_line":
                original = {
                    "Name": rec.name,
                    "Row key": rec.key,
                    "Created by": rec.created_by,
                    "Modified by": rec.modified_by,
                    "Vendor Name": rec.vendor,
                }[column]
                cell = text(line_break(original or rng.choice(VENDORS)))
            elif rule == "datetime_ambiguous":
                cell = text(ambiguous_date(rng, rec.created))
            cells[row] = (column, cell)
    for size, form in UNIQUE_GROUPS:
        group = [next(todo) for _ in range(size)]
        first = records[group[0]]
        if form == "numeric":
            first.key = f"59{rng.randint(10**7, 10**8 - 1):08d}"
        planted += [(row, "Row key", "unique") for row in group]
        for row in group[1:]:
            cells[row] = ("Row key", key_cell(first.key) if form == "same" else text(pad(rng, first.key)))
    return cells, planted


def build(seed: int = SEED, n_rows: int = N_ROWS) -> tuple[list[dict[str, Cell]], list[Fault]]:
    """The sheet's rows and the planted faults, sorted by row and column."""
    rng = random.Random(seed)
    counters: Counter[str] = Counter()
    records = [make_record(rng, counters) for _ in range(n_rows)]
    n_faulty = sum(len(v) for v in FAULTS.values()) + sum(size for size, _ in UNIQUE_GROUPS)
    order = rng.sample(range(n_rows), n_rows)
    overwrite, planted = plant(rng, records, order[:n_faulty])
    faulty = set(order[:n_faulty])
    messy = set(rng.sample(order[n_faulty:], round(MESSY_SHARE * n_rows)))
    rows = []
    for i, rec in enumerate(records):
        kinds = mess_kinds(rec)
        mess = rng.sample(kinds, min(len(kinds), rng.choice([1, 1, 2, 2, 3]))) if i in messy else []
        cells, created, modified = render(rng, rec, mess)
        if i in overwrite:
            column, cell = overwrite[i]
            cells[column] = cell
        assert i in faulty or modified >= created, f"row {i}: a clean row's modified time is before its created time"
        rows.append(cells)
    check(records, rows, planted)
    position = {c: n for n, (c, _) in enumerate(COLUMNS)}
    return rows, sorted(planted, key=lambda p: (p[0], position[p[1]], p[2]))


def check(records: list[Record], rows: list[dict[str, Cell]], planted: list[Fault]) -> None:
    """Assert what the sheet promises: known terms, one fault a row, repeated keys just where planted."""
    terms = {t["fullPath"] for t in json_file("terms.json")["terms"]}
    assert {r.term for r in records} - {None} <= terms, "a kind names a term that terms.json lacks"
    assert len({row for row, _, _ in planted}) == len(planted), "more than one fault in a row"
    keys = [r["Row key"].csv.strip() for r in rows]
    counts = Counter(k for k in keys if k)
    repeated = {i for i, k in enumerate(keys) if counts[k] > 1}
    assert repeated == {row for row, _, rule in planted if rule == "unique"}, "row keys repeat where not planted"


def write_csv(path: Path, header: list[str], lines: list[list[object]]) -> None:
    """A UTF-8 CSV with \\n line ends, quoting only where needed."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(lines)


def write_xlsx(path: Path, rows: list[dict[str, Cell]]) -> None:
    """The workbook, with fixed timestamps so that a re-run writes the same bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Records"
    ws.append([header for _, header in COLUMNS])
    for cells in rows:
        ws.append([cells[c].xlsx for c, _ in COLUMNS])
    wb.properties.created = FIXED_STAMP
    saved, out = io.BytesIO(), io.BytesIO()
    wb.save(saved)
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_STAMP.timetuple()[:6]), body, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def write_samples(out: Path = HERE) -> tuple[int, int]:
    """Write records.csv, records.xlsx and planted-faults.csv into ``out``: (rows, faults)."""
    rows, planted = build()
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "records.csv", [h for _, h in COLUMNS], [[r[c].csv for c, _ in COLUMNS] for r in rows])
    write_xlsx(out / "records.xlsx", rows)
    write_csv(out / "planted-faults.csv", ["row", "column", "rule"], [list(p) for p in planted])
    return len(rows), len(planted)


def main() -> None:
    """Command line: write the samples beside this script, or into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write into")
    n_rows, n_faults = write_samples(parser.parse_args().out)
    print(f"wrote {n_rows} rows and {n_faults} planted faults")


if __name__ == "__main__":
    main()
