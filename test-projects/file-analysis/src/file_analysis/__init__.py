"""A file analyser of the kind hosts run on every file they meet: /data.bin is whatever the host
found. The analyser tells what it is by its first bytes and reads it with the package made for it:

- a spreadsheet (xlsx: a zip with xl/) through pandas and openpyxl, then written again through
  xlsxwriter and read back (the round trip must give the same frames);
- an OLE container (an old xls, a Word or Outlook file) through olefile, and an xls through xlrd;
- a Windows executable (MZ) through pefile;
- HTML through BeautifulSoup with html5lib, and its tables through pandas.read_html;
- XML through pandas.read_xml (the standard library's etree parser);
- anything else as text, its encoding found by charset_normalizer.

The result goes to /metadata/analysis.json. A file whose content says "make-samples" asks for sample
files instead: a spreadsheet made with xlsxwriter goes to /subcontent (a host feeds such content back
as new files). Any failure is recorded as the file's result ({"error": name, "message": text}) and
process() returns 0, as a batch processor that must go on to the next file would.
"""

import io
import json
import os

import charset_normalizer
import olefile
import pandas as pd
import pefile
from bs4 import BeautifulSoup

SAMPLE = pd.DataFrame({"city": ["Oslo", "Lima", "Perth"], "population": [709_000, 10_092_000, 2_192_000], "share": [0.25, 0.5, 0.125]})


def spreadsheet_bytes(frame, engine):
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine=engine) as writer:
        frame.to_excel(writer, sheet_name="cities", index=False)
    return out.getvalue()


def analyse_xlsx(data):
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="openpyxl")
    result = {"kind": "xlsx", "sheets": {name: {"shape": list(frame.shape), "columns": [str(c) for c in frame.columns]} for name, frame in sheets.items()}}
    # Written again through xlsxwriter and read back through openpyxl: the same frames.
    again = pd.read_excel(io.BytesIO(spreadsheet_bytes(next(iter(sheets.values())), "xlsxwriter")), engine="openpyxl")
    result["round_trip_equal"] = bool(again.equals(next(iter(sheets.values()))))
    first = next(iter(sheets.values()))
    numeric = first.select_dtypes("number")
    result["sums"] = {str(c): float(v) for c, v in numeric.sum().items()}
    return result


def analyse_ole(data):
    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        streams = ["/".join(s) for s in ole.listdir()]
    finally:
        ole.close()
    result = {"kind": "ole", "streams": sorted(streams)[:20]}
    if "Workbook" in streams or "Book" in streams:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="xlrd")
        result["sheets"] = {name: list(frame.shape) for name, frame in sheets.items()}
    return result


def analyse_pe(data):
    pe = pefile.PE(data=data, fast_load=True)
    try:
        return {
            "kind": "pe",
            "machine": pefile.MACHINE_TYPE.get(pe.FILE_HEADER.Machine, hex(pe.FILE_HEADER.Machine)),
            "sections": [s.Name.rstrip(b"\0").decode("latin-1") for s in pe.sections],
            "dll": bool(pe.FILE_HEADER.Characteristics & 0x2000),
        }
    finally:
        pe.close()


def analyse_html(data):
    soup = BeautifulSoup(data, "html5lib")
    result = {"kind": "html", "title": soup.title.string if soup.title else None, "links": len(soup.find_all("a"))}
    if soup.find("table"):
        tables = pd.read_html(io.BytesIO(data), flavor="bs4")
        result["tables"] = [list(t.shape) for t in tables]
    return result


def analyse_xml(data):
    frame = pd.read_xml(io.BytesIO(data), parser="etree")
    return {"kind": "xml", "shape": list(frame.shape), "columns": [str(c) for c in frame.columns]}


def analyse_text(data):
    best = charset_normalizer.from_bytes(data).best()
    return {"kind": "text", "encoding": best.encoding if best else None, "bytes": len(data)}


def analyse(data):
    head = data[:512].lstrip()
    if data[:4] == b"PK\x03\x04":
        return analyse_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return analyse_ole(data)
    if data[:2] == b"MZ":
        return analyse_pe(data)
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return analyse_html(data)
    if head.startswith(b"<"):
        return analyse_xml(data)
    return analyse_text(data)


def make_samples():
    os.makedirs("/subcontent", exist_ok=True)
    with open("/subcontent/cities.xlsx", "wb") as f:
        f.write(spreadsheet_bytes(SAMPLE, "xlsxwriter"))
    return {"kind": "samples", "made": ["cities.xlsx"]}


def main():
    with open("/data.bin", "rb") as f:
        data = f.read()
    try:
        result = make_samples() if data.strip() == b"make-samples" else analyse(data)
    except MemoryError:
        result = {"error": "MemoryError", "message": "the file needs more memory than the module has"}
    except Exception as e:  # a hostile file may raise anything a reader raises; it is this file's result
        result = {"error": type(e).__name__, "message": str(e)[:200]}
    os.makedirs("/metadata", exist_ok=True)
    with open("/metadata/analysis.json", "w") as f:
        json.dump(result, f, sort_keys=True)
    return 0
