"""Fuzzing the parsers: whatever the input, a result or one clean error, never a traceback.

Every importer, the codebook and typology parsers, and ``qualkit import`` are fed generated input:
arbitrary bytes, text built from the pieces transcripts are made of (labels, timestamps, front
matter, BOMs, NULs), damaged Word and Excel packages, random YAML structures and mutations of real
files. The property is the same everywhere: the call returns, or it raises :class:`QualkitError`
whose message is one line naming the file and saying "Fix:". Any other exception is a bug.

The examples are derandomised, so a run tests the same inputs every time; ``FIXED`` keeps each
input that once crashed a parser or split its message, with the error it must give now.
"""

from __future__ import annotations

import codecs
import copy
import csv
import datetime
import io
import itertools
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualkit import QualkitError
from qualkit.cli import main
from qualkit.coding import parse_codebook
from qualkit.coding.codebook import CODE_KEYS
from qualkit.importers import TableOptions, read_file
from qualkit.importers.speakers import TIME
from qualkit.importers.subtitles import TIMING
from qualkit.importers.word import W
from qualkit.typology import parse_typology
from qualkit.typology.scheme import DIMENSION_KEYS, EVIDENCE_KEYS, TOP_KEYS, TYPE_KEYS, VALUE_KEYS

from test_typology import MINI

settings.register_profile("fuzz", derandomize=True, database=None, deadline=None, max_examples=150,
                          print_blob=False, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
FUZZ = settings.get_profile("fuzz")
#: building a Word or Excel file, or running the CLI, takes tens of milliseconds an example
SLOW = settings(FUZZ, max_examples=30)

ROOT = Path(__file__).resolve().parent.parent
_names = itertools.count()


def clean(call):
    """Run ``call``; a QualkitError is allowed only as one line naming the file and the fix."""
    try:
        return call()
    except QualkitError as err:
        message = str(err)
        assert message.splitlines() == [message], f"message is not one line: {message!r}"
        assert "Fix:" in message, f"message has no fix: {message!r}"
        assert err.path is not None and message.startswith(err.path), f"no file named: {message!r}"
        return err


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def write(folder: Path, suffix: str, data: bytes) -> Path:
    """A fresh file per example (hypothesis runs many examples in one test's tmp folder)."""
    path = folder / f"f{next(_names)}{suffix}"
    path.write_bytes(data)
    return path


def read(folder: Path, suffix: str, data: bytes, options: TableOptions = TableOptions()):
    path = write(folder, suffix, data)
    result = clean(lambda: read_file(path, options))
    if isinstance(result, QualkitError):
        assert result.path == str(path)
    else:
        assert result and all(t.turns for t in result)
    return result


def half(often: st.SearchStrategy, rest: st.SearchStrategy) -> st.SearchStrategy:
    """``often`` half the time, else ``rest`` (``often | rest`` would flatten rest's branches into
    equal shares)."""
    return st.booleans().flatmap(lambda pick: often if pick else rest)


# --- transcript text ----------------------------------------------------------------------------

LABELS = st.sampled_from(["Interviewer", "I", "Q", "R", "A", "Respondent", "Mother", "Provider 2",
                          "Dr. Smith", "Jane O'Neil", "[person 2]", "interviewer", "Mum", "Ähm"])
TIMES = st.sampled_from(["00:01", "1:02:03", "[00:12:34]", "(12:34.5)", "99:99", "0:00:01,123",
                         "[1:2]"]) | st.from_regex(TIME, fullmatch=True)
#: any text but NUL, which ``encoded`` puts in on purpose now and then
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)
#: text that XML, and so a .docx or .xlsx, can hold: no control characters but tab and newline
XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cc"])
                   | st.sampled_from("\t\n"), max_size=20)


def labelled(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A speaker-labelled line: maybe a timestamp, maybe bold, maybe no colon, then ``text``."""
    bold = st.sampled_from(["", "**", "__"])
    before = st.sampled_from(["", " ", "\t"]) | TIMES.map(lambda t: t + " - ")
    return st.builds("{}{}{}{}{}{}".format, before, bold, LABELS, bold,
                     st.sampled_from([":", ": ", " :", ""]), text)


LABELLED = labelled(TEXT)
#: half the lines labelled, the rest timestamps, headings, text and oddities
LINE = half(LABELLED, st.one_of(TIMES, TEXT, TEXT.map("# {}".format),
                                st.sampled_from(["", "---", "...", " ", "\ufeff", "\t\t"])))

#: scalars that parsers trip over: null, empty, not-a-number, line breaks and NULs in names, dates
YAML_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
                | st.dates()
                | st.sampled_from(["yes", "no", "007", "10:30", "~", "", " ", "- a", ": b", "a\nb",
                                   "a\x00b", "x\u2028y", "UPPER", float("nan"), -1, 0, 2, 0.5,
                                   datetime.date(2020, 1, 1)]))
#: containers that parsers trip over: empty, holding null, or mixing key types (each a fresh copy,
#: since mutations change what they are given)
TRICKY = st.sampled_from([[], {}, [None], [[]], [{}], {"a": None}, [{1: 2, "b": 3}]]).map(
    copy.deepcopy)
YAML_VALUES = st.recursive(
    YAML_SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8) | YAML_SCALARS, inner, max_size=4),
    max_leaves=12)
YAML_TOKENS = st.sampled_from(["[", "]", "{", "}", ":", "- ", "? ", "&a ", "*a", "!!str ",
                               "!!python/none", "'", '"', "|", ">", "%YAML 1.1", "#", "\t", "  ",
                               ",", "@", "`", "\\", "\n", "---", "...", "\x85", "\u2028"])
#: YAML punctuation strung together with bits of text, or nesting past Python's recursion limit
YAML_JUNK = st.lists(YAML_TOKENS | st.text(max_size=5), max_size=8).map("".join) | st.builds(
    lambda opening, closing, depth: opening * depth + closing * depth,
    st.sampled_from(["[", "{a: ", "- "]), st.sampled_from(["]", "}", ""]),
    st.sampled_from([3, 1200]))


def dump(value, unicode: bool = True) -> str:
    return yaml.safe_dump(value, allow_unicode=unicode, sort_keys=False)


FRONT_MATTER = st.one_of(
    st.just(""),
    st.builds(lambda data, unicode: f"---\n{dump(data, unicode)}---\n",
              st.dictionaries(st.sampled_from(["case", "role", "interviewer_labels", "harm"])
                              | st.text(max_size=8), YAML_VALUES, max_size=5), st.booleans()),
    st.builds(lambda data: f"---\n{dump(data)}---\n", YAML_VALUES),
    st.lists(YAML_JUNK | LINE, max_size=5).map(
        lambda lines: "---\n" + "\n".join(lines) + "\n---\n"),
    st.lists(LINE, max_size=3).map(lambda lines: "---\n" + "\n".join(lines)),  # never closed
)
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])
TRANSCRIPT = st.builds(lambda front, lines, eol: (front + "\n".join(lines)).replace("\n", eol),
                       FRONT_MATTER, st.lists(LINE, max_size=12), NEWLINES)


@st.composite
def encoded(draw, texts) -> bytes:
    """Text in an encoding transcripts arrive in (mostly UTF-8), now and then damaged: a BOM that
    belies the encoding, UTF-16 without a BOM, or a NUL or stray byte put in."""
    text = draw(texts)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    damage = draw(st.integers(0, 7))
    if damage == 1:
        bom = draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]))
        data = bom + data
    elif damage == 2:
        data = text.encode("utf-16-le", errors="replace")
    elif damage == 3:
        at = draw(st.integers(0, len(data)))
        stray = draw(st.sampled_from([b"\x00", b"\xff", b"\x81", b"\xed\xa0\x80"]))
        data = data[:at] + stray + data[at:]
    return data


@FUZZ
@given(data=st.binary(max_size=200),
       suffix=st.sampled_from([".txt", ".md", ".vtt", ".srt", ".csv"]))
def test_arbitrary_bytes(folder, data, suffix):
    read(folder, suffix, data)


@FUZZ
@given(data=encoded(TRANSCRIPT), suffix=st.sampled_from([".txt", ".md"]))
def test_text_transcripts(folder, data, suffix):
    read(folder, suffix, data)


# --- subtitles ----------------------------------------------------------------------------------

#: mostly valid timings (one bad cue fails the whole file), else the ways they go wrong
TIMING_LINES = half(st.sampled_from(["00:00:01.000 --> 00:00:04.000", "1:02.5 --> 1:03.5",
                                     "12:34,567-->12:35,000 align:start",
                                     "99:99:99.999 --> 0:00.0"])
                    | st.from_regex(TIMING, fullmatch=True),
                    half(st.sampled_from(["00:01 --> 00:02", "-->", "00:00:01.000 -> 00:00:02.000",
                                          "00:00:01.000"]), TEXT))
VOICE_NAMES = st.sampled_from([" Jane Doe", " Interviewer", " I", " ", ""]) | TEXT
PAYLOAD = st.one_of(LABELLED, TEXT, TEXT.map("<i>{}</i>".format),
                    st.builds("<v{}{}>{}</v>".format, st.sampled_from(["", ".loud", " "]),
                              VOICE_NAMES, TEXT))
CUE = st.builds(lambda number, timing, payload: "\n".join(number + [timing] + payload),
                st.lists(st.integers(0, 99).map(str), max_size=1), TIMING_LINES,
                st.lists(PAYLOAD, min_size=1, max_size=3))
SUBTITLES = st.builds(lambda header, cues, gap: header + gap.join(cues),
                      st.sampled_from(["", "WEBVTT\n\n", "WEBVTT - title\n\nNOTE a note\n\n",
                                       "STYLE\n::cue {}\n\n"]),
                      st.lists(CUE | TEXT, max_size=6), st.sampled_from(["\n\n", "\n", "\n \n"]))


@FUZZ
@given(data=encoded(SUBTITLES), suffix=st.sampled_from([".vtt", ".srt"]))
def test_subtitles(folder, data, suffix):
    read(folder, suffix, data)


# --- tables -------------------------------------------------------------------------------------

COLUMNS = st.sampled_from(["text", "id", "case", "speaker", "role", " text ", "Text", "", "1"])
CELL = st.one_of(TEXT, st.sampled_from(["", " ", "1", "1", "a,b", '"quoted"', "line\nbreak", "NA"]))


def options(header: list) -> st.SearchStrategy[TableOptions]:
    """Column options: the defaults half the time, else a column of ``header`` or one it lacks."""
    named = half(st.sampled_from([str(cell) for cell in header] or ["text"]), COLUMNS)
    return st.builds(TableOptions, text_column=half(st.just("text"), named),
                     id_column=half(st.none(), named), case_column=half(st.none(), named))


@st.composite
def table(draw, cells=CELL, names=COLUMNS | TEXT) -> list[list]:
    """A header (with a 'text' column half the time) and rows, most as wide as the header."""
    header = draw(st.lists(names, max_size=3))
    if draw(st.booleans()):
        header.insert(draw(st.integers(0, len(header))), "text")
    widths = st.sampled_from([0, 0, 0, -1, 1]).map(lambda extra: max(1, len(header) + extra))
    row = widths.flatmap(lambda width: st.lists(cells, min_size=width, max_size=width))
    rows = draw(st.lists(row, max_size=6))
    return [header or [""]] + rows


def csv_texts(rows: list[list[str]]) -> st.SearchStrategy[str]:
    """The table as Excel or pandas would write it, or with commas joined unquoted."""
    written = []
    for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_ALL):
        buffer = io.StringIO()
        csv.writer(buffer, quoting=quoting).writerows(rows)
        written.append(buffer.getvalue())
    return st.sampled_from(written + ["\n".join(",".join(row) for row in rows)])


#: (bytes of a .csv, the column options it is imported with)
CSV = table().flatmap(lambda rows: st.tuples(encoded(csv_texts(rows)), options(rows[0])))


@FUZZ
@given(case=CSV)
def test_csv(folder, case):
    data, table_options = case
    read(folder, ".csv", data, table_options)


#: what a spreadsheet cell holds: text, numbers, dates, booleans, nothing
XLSX_CELL = st.one_of(XML_TEXT, st.sampled_from(["", " ", "1", "a,b", "NA"]), st.none(),
                      st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                      st.dates())


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@SLOW
@given(case=table(XLSX_CELL, COLUMNS | XLSX_CELL).flatmap(
    lambda rows: st.tuples(st.just(rows), options(rows[0]))))
def test_xlsx(folder, case):
    rows, table_options = case
    read(folder, ".xlsx", xlsx_bytes(rows), table_options)


# --- Word documents -----------------------------------------------------------------------------

def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


XML_TAGS = st.sampled_from(["w:p", "w:r", "w:t", "w:tab", "w:br", "w:cr", "w:rPr", "w:b", "w:pPr",
                            "w:pStyle", "w:tbl", "w:tr", "w:tc", "w:body", "x:other"])
XML_ATTRIBUTES = st.sampled_from(["", ' w:val="0"', ' w:val="false"', ' w:val="Heading1"',
                                  ' w:val="Title"', ' w:val="1"'])


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def element(tag: str, attributes: str, children: list[str]) -> str:
    return f"<{tag}{attributes}>{''.join(children)}</{tag}>"


XML_NODES = st.recursive(
    XML_TEXT.map(escape),
    lambda inner: st.builds(element, XML_TAGS, XML_ATTRIBUTES, st.lists(inner, max_size=4)),
    max_leaves=25)
DOCUMENT_XML = st.one_of(
    st.binary(max_size=100),
    st.builds(lambda body, nodes: (f'<w:document xmlns:w="{W[1:-1]}" xmlns:x="urn:x">'
                                   + ("<w:body>" if body else "") + "".join(nodes)
                                   + ("</w:body>" if body else "") + "</w:document>").encode(),
              st.booleans(), st.lists(XML_NODES, max_size=6)),
)


@SLOW
@given(data=st.one_of(st.binary(max_size=100), st.binary(max_size=100).map(b"PK\x03\x04".__add__),
                      DOCUMENT_XML.map(lambda xml: zipped({"word/document.xml": xml})),
                      st.dictionaries(st.sampled_from(["word/document.xml", "a.txt", "word/x.xml"]),
                                      st.binary(max_size=20), max_size=2).map(zipped)))
def test_damaged_docx(folder, data):
    read(folder, ".docx", data)


#: (text, bold) runs of a paragraph
RUNS = st.lists(st.tuples(XML_TEXT | labelled(XML_TEXT) | LABELS, st.booleans()), max_size=3)
DOCX_TEXT = XML_TEXT | LABELS | st.sampled_from(["00:01", "Speaker", "Text", "Time"])


def build_docx(paragraphs, tables) -> bytes:
    document = docx.Document()
    for runs, style in paragraphs:
        paragraph = document.add_paragraph(style=style)
        for text, bold in runs:
            paragraph.add_run(text).bold = bold
    for rows in tables:
        width = max(len(row) for row in rows)
        grid = document.add_table(rows=len(rows), cols=width)
        for cells, row in zip(grid.rows, rows):
            for cell, text in zip(cells.cells, row):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@SLOW
@given(paragraphs=st.lists(st.tuples(RUNS, st.sampled_from([None, None, "Heading 1", "Title"])),
                           max_size=8),
       tables=st.lists(st.lists(st.lists(DOCX_TEXT, min_size=1, max_size=4), min_size=1,
                                max_size=4), max_size=2))
def test_word_documents(folder, paragraphs, tables):
    read(folder, ".docx", build_docx(paragraphs, tables))


# --- codebooks and typologies -------------------------------------------------------------------

def first_codes(count: int = 3) -> dict:
    data = yaml.safe_load((ROOT / "codebooks" / "spip_plus.yaml").read_text(encoding="utf-8"))
    return {**data, "codes": data["codes"][:count]}


CODEBOOK = first_codes()
TYPOLOGY = yaml.safe_load(MINI)


#: the keys codebooks and typologies know, for mutations that add one
SCHEMA_KEYS = st.sampled_from(sorted({*CODEBOOK, *CODE_KEYS, "positive", "negative", *TOP_KEYS,
                                      *DIMENSION_KEYS, *VALUE_KEYS, *EVIDENCE_KEYS, *TYPE_KEYS}))


@st.composite
def mutated(draw, base: dict):
    """``base`` with a node or a few replaced, deleted, duplicated or given a new key.

    The node is found by walking down from the root and stopping at each level with even odds, so
    top-level settings are hit as often as the leaves of the lists below them.
    """
    data = copy.deepcopy(base)
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        container, key = None, None
        node = data
        while isinstance(node, (dict, list)) and node and (key is None or draw(st.booleans())):
            container = node
            key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
            node = container[key]
        if container is None:
            continue
        action = draw(st.sampled_from(["replace", "replace", "delete", "duplicate", "add"]))
        if action == "replace":
            container[key] = draw(YAML_VALUES | TRICKY)
        elif action == "delete":
            del container[key]
        elif action == "duplicate" and isinstance(container, list):
            container.insert(key, copy.deepcopy(container[key]))
        elif isinstance(node, dict):
            node[draw(SCHEMA_KEYS | YAML_SCALARS)] = draw(YAML_VALUES | TRICKY)
    return dump(data, draw(st.booleans()))


@st.composite
def damaged(draw, text: str) -> str:
    """``text`` with YAML punctuation inserted or a stretch cut out, to break its syntax."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(YAML_TOKENS) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
    return text


def yaml_inputs(base: dict, text: str):
    """Half the time a mutation of ``base``, else ``text`` broken, or any YAML at all."""
    return half(mutated(base), st.one_of(damaged(text), YAML_VALUES.map(dump), YAML_JUNK))


@FUZZ
@given(text=yaml_inputs(CODEBOOK, dump(CODEBOOK)))
def test_codebooks(text):
    clean(lambda: parse_codebook(text, "x.yaml"))


@FUZZ
@given(text=yaml_inputs(TYPOLOGY, MINI))
def test_typologies(text):
    clean(lambda: parse_typology(text, "t.yaml"))


# --- inputs that once crashed a parser, or split its message over two lines ---------------------

CODEBOOK_ONE = "codes:\n  - id: a\n    definition: A code.\n"


def code_with(line: str) -> str:
    return CODEBOOK_ONE + f"    {line}\n"


FIXED = [
    # subtitles.read_subtitle_transcript: a control character of a bad timing line went into E023
    ("vtt", b"0:00.0-->?\x1e0:00.0", "E023"),
    # speakers.parse_front_matter: a key with a line break went into E013
    ("txt", b'---\n"a\\nb": [1]\n---\nI: Hi.\nR: Hello.\n', "E013"),
    # tabular: a header or an id with a line break went into E030 and E031
    ("csv", b'"a\nb",c\n1,2\n', "E030"),
    ("csv", b'id,text\n"a\nb",x\n"a\nb",y\n', "E031"),
    # codebook: token attributes of mixed types could not be sorted (TypeError)
    ("codebook", code_with("patterns: [[{1: a, b: c}]]"), "E069"),
    # codebook: a NUL byte in a training sheet's path (ValueError from Path.resolve)
    ("codebook", CODEBOOK_ONE + 'training: ["a\\0b"]\n', "E071"),
    # codebook: ids, keys and parents with line breaks went into E064, E070, E066
    ("codebook", CODEBOOK_ONE.replace("id: a", 'id: "a\\nb"'), "E064"),
    ("codebook", code_with('"a\\nb": 1'), "E070"),
    ("codebook", code_with('parent: "a\\nb"'), "E066"),
    # yamlfile.parse: nesting deeper than Python's recursion limit (RecursionError); now refused
    # past yamlfile.MAX_DEPTH levels before it is composed
    ("codebook", "[" * 1200 + "]" * 1200, "E161"),
    ("typology", "{a: " * 1200 + "}" * 1200, "E161"),
    # scheme.parse_typology: a codebook path not text, or holding a NUL (TypeError, ValueError)
    ("typology", MINI.replace("codebook: mini.yaml", "codebook: 5"), "E108"),
    ("typology", MINI.replace("codebook: mini.yaml", 'codebook: "a\\0b"'), "E108"),
    # scheme.parse_typology: group_by a list (TypeError: unhashable)
    ("typology", MINI.replace("codebook: mini.yaml", "group_by: [decision]"), "E104"),
    # scheme._parse_evidence: 'equals' null or a date on code evidence (TypeError: not iterable)
    ("typology", MINI.replace("{code: got_better, weight: 1.0}",
                              "{code: got_better, equals: null}"), "E108"),
    ("typology", MINI.replace("{code: got_better, weight: 1.0}",
                              "{code: got_better, equals: 2020-01-01}"), "E108"),
    # scheme: ids, keys, dimensions and values with line breaks went into E108, E104, E105
    ("typology", MINI.replace("id: diy", 'id: "d\\niy"'), "E108"),
    ("typology", MINI.replace("label: Decision", '"a\\nb": 1'), "E108"),
    ("typology", MINI.replace("{decision: private,", '{"a\\nb": private,'), "E104"),
    ("typology", MINI.replace("{decision: private,", '{decision: "a\\nb",'), "E105"),
]


@pytest.mark.parametrize("kind, source, code", FIXED)
def test_fixed_inputs(folder, kind, source, code):
    if kind == "codebook":
        error = clean(lambda: parse_codebook(source, "x.yaml"))
    elif kind == "typology":
        error = clean(lambda: parse_typology(source, "t.yaml"))
    else:
        error = read(folder, f".{kind}", source)
    assert isinstance(error, QualkitError) and error.code == code, error


# --- the command line ---------------------------------------------------------------------------

#: (suffix, bytes) of a file to import
FILES = st.one_of(st.tuples(st.sampled_from([".txt", ".md"]), encoded(TRANSCRIPT)),
                  st.tuples(st.sampled_from([".vtt", ".srt"]), encoded(SUBTITLES)),
                  st.tuples(st.just(".csv"), CSV.map(lambda case: case[0])),
                  st.tuples(st.sampled_from([".docx", ".xlsx", ".pdf", ".txt"]),
                            st.binary(max_size=60)))


@settings(SLOW, max_examples=20)
@given(file=FILES)
def test_cli_import(folder, file):
    suffix, data = file
    path = write(folder, suffix, data)
    result = CliRunner().invoke(main, ["import", str(path), "--project",
                                       str(folder / f"p{next(_names)}.qualkit")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output


BILLION_LAUGHS = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x]"] +
                           [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, "
                            f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
                            for i in range(12)])


def test_yaml_aliases_are_refused_not_expanded(tmp_path):
    """Nested aliases expand exponentially ("billion laughs"): every YAML reader refuses them."""
    from qualkit.coding import parse_codebook
    from qualkit.importers import read_file
    from qualkit.typology import parse_typology

    for parse in (parse_codebook, parse_typology):
        with pytest.raises(QualkitError) as caught:
            parse(BILLION_LAUGHS, "x.yaml")
        assert caught.value.code == "E061" and "aliases" in str(caught.value)
    transcript = tmp_path / "t.txt"
    transcript.write_text("---\n" + BILLION_LAUGHS + "\n---\nI: Hello?\nR: Hi.\n", encoding="utf-8")
    with pytest.raises(QualkitError) as caught:
        read_file(transcript)
    assert caught.value.code == "E011" and "aliases" in str(caught.value)
