"""Interchange (REFI-QDA): real exports of NVivo, ATLAS.ti and Taguette are read, and everything
qualkit writes is valid against the official schemas, points at exactly the coded text, passes the
privacy gate, and comes back the same when imported again.

The schemas and samples are copied into tests/data/refi-qda (SOURCES.md says from where); every
count asserted for a sample was first counted in its XML by the test itself.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from qualkit import Project, QualkitError, import_paths, read_cases_sheet
from qualkit.cli import main
from qualkit.coding import load_codebook
from qualkit.interchange import (export_qdc, export_qdpx, export_sheet, import_qdc, import_qdpx,
                                 read_project, read_qdc)
from qualkit.interchange.conventions import split_span
from qualkit.interchange.guids import NAMESPACE
from qualkit.interchange.project_data import stored_codebooks
from qualkit.interchange.xmlio import SCHEMA_DIR
from qualkit.privacy import PrivacyGate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "refi-qda"
SHARED = ROOT.parent / "shared" / "refi-qda"
SAMPLES = DATA / "samples"
NVIVO = SAMPLES / "nvivo-mac-15_nvivo_project.qdpx"
ATLAS = SAMPLES / "atlasti-8.4_Project.qde"
TAGUETTE = SAMPLES / "taguette-1.4.1_codebook.qdc"
SPIP = ROOT / "codebooks" / "spip_plus.yaml"
P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"
GUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
OFF = PrivacyGate(mode="off")


def xsd(name: str) -> etree.XMLSchema:
    """The official schema, from the test data (not from qualkit's own copy)."""
    return etree.XMLSchema(etree.parse(str(DATA / name)))


def assert_valid(document: bytes, schema_name: str) -> etree._Element:
    root = etree.fromstring(document)
    checker = xsd(schema_name)
    assert checker.validate(root), checker.error_log
    return root


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


# --- a small qualkit project, built with qualkit's own import -------------------------------------

P01 = """---
role: Mother
area: Area B
---
Interviewer: What did the court tell you?
Respondent: Not much at all. I got a letter and that was it.
Interviewer: And the group session?
[00:02:10] Respondent: It was fine, I suppose.
The other parents were the best part.
"""
P02 = "I: How was it?\nFather: Too basic for us. We already talk every day.\n"


def small_project(tmp_path: Path, name: str = "a", p01: str = P01) -> Project:
    """Two tiny transcripts, imported by qualkit, with a human and two machine codings stored."""
    folder = tmp_path / f"{name}-in"
    folder.mkdir()
    (folder / "P01.txt").write_text(p01, encoding="utf-8")
    (folder / "P02.txt").write_text(P02, encoding="utf-8")
    project = Project(tmp_path / f"{name}.qualkit")
    assert import_paths([folder], project).ok
    segments = project.segments()["segment_id"].tolist()
    _code(project, [(segments[0], "relevance", "human:Ann", None, None),
                    (segments[1], "relevance", "ensemble", 0.81, "rule: phrase 'fine' | semantic"),
                    (segments[2], "relevance_too_basic", "rule", 0.6, "phrase 'too basic'")])
    return project


def _code(project: Project, rows: list[tuple]) -> None:
    """Store codings as ``qualkit code`` does (store_codings needs trained coders: too slow here)."""
    human = [r for r in rows if r[2].startswith("human:")]
    machine = [r for r in rows if not r[2].startswith("human:")]
    project.add_codings(load_codebook(SPIP), [(*r, None, None) for r in machine])
    project.add_imported_codings(load_codebook(SPIP), human, "test")


def coded_spans(project: Project) -> set[tuple]:
    """(case, source, code, coder, exact coded text, score) of every stored coding."""
    rows = project.query(
        "SELECT t.case_id, t.source_name, c.code_id, c.source, c.score, c.rationale, s.start, s.end, "
        "u.text FROM codings c JOIN segments s ON s.id = c.segment_id JOIN turns u ON "
        "u.id = s.turn_id JOIN transcripts t ON t.id = s.transcript_id")
    found = set()
    for row in rows.itertuples():
        _, span = split_span(row.rationale if isinstance(row.rationale, str) else "")
        start, end = span or (row.start, row.end)
        score = None if pd.isna(row.score) else round(row.score, 4)
        found.add((row.case_id, row.source_name, row.code_id, row.source, row.text[start:end], score))
    return found


def codes_of(project: Project) -> list[tuple]:
    return sorted((c.id, c.label, c.parent, c.definition, c.include, c.exclude)
                  for book in stored_codebooks(project) for c in book.codes)


def sources_of(project: Project) -> list[tuple]:
    turns = project.turns()
    return sorted(turns.groupby("case_id")[["speaker", "text"]].apply(
        lambda t: tuple(zip(t.speaker, t.text))).items())


def attributes_of(project: Project) -> dict:
    return {case: {k: v for k, v in values.items() if isinstance(v, str)}
            for case, values in project.cases().set_index("case").to_dict("index").items()}


# --- a project as another tool writes it ------------------------------------------------------------

INTERVIEW = ("Interviewer: What did the court send you?\n"
             "Mother: A letter, nothing else. It said we had to go on a course.\n"
             "I never heard from them again.\n"
             "Interviewer: And the other parents?\n"
             "Mother: They were the best part of it.\n")
FIELD_NOTES = "The family centre was busy.\n\nStaff were kind and the room was warm.\n"
S1, S2 = "6B29FC40-CA47-1067-B31D-00DD010662DA", "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def _select(text: str, first: str, last: str | None = None) -> tuple[int, int]:
    start = text.index(first)
    return start, (text.index(last, start) + len(last)) if last else start + len(first)


def foreign_qdpx(path: Path) -> Path:
    """A project in the layout NVivo, MAXQDA and QualCoder write: codes with a sub-code, two coders,
    a case with variables, a transcript, unlabelled field notes, an audio source, and selections
    shorter than a turn, across a line, across two turns, on the interviewer, and out of range."""
    selections = [
        (S1, _select(INTERVIEW, "A letter, nothing else."), "C2", "U1", ""),
        (S1, _select(INTERVIEW, "It said we had", "again."), "C1", "U2",
         "<Description>court as distant</Description>"),
        (S1, _select(INTERVIEW, "never heard", "the best part"), "C3", "U1", ""),
        (S1, _select(INTERVIEW, "What did the court send you?"), "C1", "U1", ""),
        (S1, (len(INTERVIEW) - 3, len(INTERVIEW) + 40), "C3", "U1", ""),
        (S2, _select(FIELD_NOTES, "Staff were kind"), "C3", "U1", ""),
    ]
    ids = {"U1": "A1B2C3D4-0000-4000-8000-000000000001", "U2": "{a1b2c3d4-0000-4000-8000-000000000002}",
           "C1": "C0DE0000-0000-4000-8000-000000000001", "C2": "C0DE0000-0000-4000-8000-000000000002",
           "C3": "c0de0000-0000-4000-8000-000000000003"}
    by_source = {S1: [], S2: []}
    for n, (source, (start, end), code, user, extra) in enumerate(selections):
        by_source[source].append(
            f'<PlainTextSelection guid="5E1EC700-0000-4000-8000-{n:012d}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{ids[user]}">{extra}<Coding '
            f'guid="C0D10000-0000-4000-8000-{n:012d}" creatingUser="{ids[user]}"><CodeRef '
            f'targetGUID="{ids[code]}"/></Coding></PlainTextSelection>')
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Foreign study" origin="a hand-written test project">
 <Users><User guid="{ids['U1']}" name="Beth"/><User guid="{ids['U2']}" name="Carl"/></Users>
 <CodeBook><Codes>
  <Code guid="{ids['C1']}" name="Court" isCodable="true" color="#FF0000">
   <Description>Anything the parent says about the family court.</Description>
   <Code guid="{ids['C2']}" name="Letters" isCodable="true"/>
  </Code>
  <Code guid="{ids['C3']}" name="Peers &amp; staff" isCodable="true"/>
 </Codes></CodeBook>
 <Variables>
  <Variable guid="AAAA0000-0000-4000-8000-000000000001" name="role" typeOfVariable="Text"/>
  <Variable guid="AAAA0000-0000-4000-8000-000000000002" name="children" typeOfVariable="Integer"/>
 </Variables>
 <Cases><Case guid="CA5E0000-0000-4000-8000-000000000001" name="Interview A">
  <VariableValue><VariableRef targetGUID="AAAA0000-0000-4000-8000-000000000001"/><TextValue>Mother</TextValue></VariableValue>
  <VariableValue><VariableRef targetGUID="AAAA0000-0000-4000-8000-000000000002"/><IntegerValue>2</IntegerValue></VariableValue>
  <SourceRef targetGUID="{S1}"/>
 </Case></Cases>
 <Sources>
  <TextSource guid="{S1}" name="Interview A.docx" plainTextPath="internal://{S1}.txt">{''.join(by_source[S1])}</TextSource>
  <TextSource guid="{S2}" name="Field notes" plainTextPath="internal://{S2}.txt">{''.join(by_source[S2])}</TextSource>
  <AudioSource guid="A0D10000-0000-4000-8000-000000000001" name="Interview A.m4a" path="relative://a.m4a"/>
 </Sources>
</Project>"""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr(f"sources/{S1}.txt", INTERVIEW)
        archive.writestr(f"sources/{S2}.txt", FIELD_NOTES)
    return path


# --- schemas and samples ----------------------------------------------------------------------------

def test_schemas_in_package_and_tests_are_the_official_copies():
    for name in ("Codebook.xsd", "Project-mrt2019.xsd"):
        assert (SCHEMA_DIR / name).read_bytes() == (DATA / name).read_bytes()
    if not SHARED.is_dir():
        pytest.skip("../shared/refi-qda is not in this checkout")
    for relative in ("Codebook.xsd", "Project-mrt2019.xsd", "SOURCES.md",
                     *(f"samples/{p.name}" for p in SAMPLES.iterdir())):
        assert (DATA / relative).read_bytes() == (SHARED / relative).read_bytes(), relative


def test_nvivo_sample_counts():
    qde = etree.fromstring(members(NVIVO)["project.qde"])
    codes, text_sources = qde.findall(f".//{P}Code"), qde.findall(f".//{P}TextSource")
    assert (len(codes), len(text_sources), len(qde.findall(f".//{P}Case")),
            len(qde.findall(f".//{P}User"))) == (262, 2, 0, 2)
    assert len(qde.findall(f"{P}CodeBook/{P}Codes/{P}Code")) == 3
    names = [code.get("name") for code in codes]
    assert len(set(names)) == 252  # 10 names stand twice (under different parents)

    read = read_project(NVIVO)
    assert (len(read.codes), len(read.sources), len(read.cases), len(read.users)) == (262, 2, 0, 2)
    assert sum(code.parent is None for code in read.codes) == 3


def test_nvivo_sample_imports_its_codebook_and_reports_its_empty_sources(tmp_path):
    with Project(tmp_path / "p.qualkit") as project:
        result = import_qdpx(NVIVO, project)
        assert len(result.codebook.codes) == 262
        assert len(set(result.codebook.ids)) == 262       # duplicate names get distinct ids
        assert len(result.codebook.themes) == 3
        assert [f.status for f in result.report.files] == ["failed", "failed"]
        assert all("[E128]" in f.error for f in result.report.files)  # NVivo wrote empty texts
        assert (result.selections, result.codings) == (0, 0)
        assert codes_of(project) == sorted((c.id, c.label, c.parent, c.definition, c.include,
                                            c.exclude) for c in result.codebook.codes)
    programming = [c for c in result.codebook.codes if c.label == "programming"]
    assert len(programming) == 2 and programming[0].id != programming[1].id


def test_atlas_sample_counts_and_what_is_skipped(tmp_path):
    qde = etree.parse(str(ATLAS)).getroot()
    kinds = {kind: len(qde.findall(f"{P}Sources/{P}{kind}")) for kind in
             ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")}
    assert kinds == {"TextSource": 6, "PictureSource": 1, "PDFSource": 2, "AudioSource": 1,
                     "VideoSource": 2}
    assert (len(qde.findall(f".//{P}Code")), len(qde.findall(f".//{P}Case")),
            len(qde.findall(f"{P}Sets/{P}Set")), len(qde.findall(f"{P}Notes/{P}Note"))) == (14, 0, 16, 2)

    with Project(tmp_path / "p.qualkit") as project:
        result = import_qdpx(ATLAS, project)
    assert len(result.codebook.codes) == 14
    assert result.codebook.code("feelings").definition == "thoughts about breakfast foods"
    assert result.codebook.code("milk").definition.startswith("No definition came with this code")
    skipped = "\n".join(result.report.errors)
    for count, kind in ((1, "picture"), (2, "PDF"), (1, "audio"), (2, "video")):
        assert f"skipped {count} {kind} source(s)" in skipped
    assert "skipped 16 set(s)" in skipped and "skipped 2 note(s)" in skipped
    assert "skipped 1 graph(s)" in skipped and "skipped 1 link(s)" in skipped
    # a bare project.qde: its text files are not beside it, and each missing one is named
    assert [f.error.split("[")[-1] for f in result.report.files] == ["E127]"] * 6


def test_atlas_project_with_its_texts_supplied(tmp_path):
    """The real ATLAS.ti project.qde, zipped with texts in which each selection whose name is its
    text (as ATLAS.ti names quotations) sits at that selection's offsets."""
    qde = ATLAS.read_bytes()
    root = etree.fromstring(qde)
    texts = {}
    for source in root.iter(f"{P}TextSource"):
        filler = "".join(f"Line {n} of the transcript.\n" for n in range(60))
        text = list(filler)
        for selection in source.findall(f"{P}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            if len(selection.get("name")) == end - start:  # a paragraph of its own
                text[start - 2:end + 2] = ["\n", "\n", *selection.get("name"), "\n", "\n"]
        file_name = source.get("plainTextPath").split("//")[1]
        texts[f"sources/{file_name}"] = "".join(text)
    archive = tmp_path / "atlas.qdpx"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("project.qde", qde)
        for name, text in texts.items():
            out.writestr(name, text)

    with Project(tmp_path / "p.qualkit") as project:
        result = import_qdpx(archive, project)
        assert [f.status for f in result.report.files] == ["imported"] * 6
        assert result.selections == 6
        spans = coded_spans(project)
    coder = "human:Friedrich Markgraf"
    assert ("1994 Diet Coke-Diet Coke Break", "1994 Diet Coke-Diet Coke Break.docx", "coke_diet_coke",
            coder, "Oh, that was great. See you tomorrow? Eleven thirty. Mm.", None) in spans
    assert ("Simon", "Simon.docx", "feelings", coder,
            "I did try the gluten free bread, but it was always so soggy,", None) in spans
    simon = project_rationales(tmp_path / "p.qualkit", "bacon_and_eggs")
    assert any(r.startswith("why does Simon feel the need to do this?") for r in simon)


def project_rationales(path: Path, code: str) -> list[str]:
    with Project(path) as project:
        return project.query("SELECT rationale FROM codings WHERE code_id = ?", (code,))[
            "rationale"].tolist()


def test_taguette_codebook(tmp_path):
    root = etree.parse(str(TAGUETTE)).getroot()
    assert len(root.findall(f".//{C}Code")) == 3
    assert not xsd("Codebook.xsd").validate(root)  # Taguette's empty <Sets/> breaks the schema

    read = import_qdc(TAGUETTE, tmp_path / "taguette.yaml")
    assert [c.label for c in read.codebook.codes] == ["xsd:element name", "CodeBook", "Variables"]
    assert read.codebook.ids == ["xsd_element_name", "codebook", "variables"]
    assert len(read.notes) == 1 and "[E134]" in read.notes[0] and "<Sets>" in read.notes[0]
    loaded = load_codebook(tmp_path / "taguette.yaml")
    assert loaded.ids == read.codebook.ids
    assert all("No definition came with this code" in c.definition for c in loaded.codes)


# --- codebook export --------------------------------------------------------------------------------

def test_qdc_export_is_valid_deterministic_and_round_trips(tmp_path):
    codebook = load_codebook(SPIP)
    first, second = export_qdc(codebook, tmp_path / "a.qdc"), export_qdc(codebook, tmp_path / "b.qdc")
    assert first.read_bytes() == second.read_bytes()
    root = assert_valid(first.read_bytes(), "Codebook.xsd")
    codes = root.findall(f".//{C}Code")
    assert len(codes) == len(codebook.codes)
    assert len(root.findall(f"{C}Codes/{C}Code")) == len(codebook.themes)
    assert root.find(f"{C}Sets") is None
    for element in codes:
        assert GUID.match(element.get("guid")) and element.get("isCodable") == "true"
        assert re.match(r"^#[0-9A-F]{6}$", element.get("color"))
    relevance = root.find(f"{C}Codes/{C}Code")
    assert relevance.get("guid") == str(uuid.uuid5(NAMESPACE, "code\x1fspip_plus\x1frelevance")).upper()
    assert relevance.findtext(f"{C}Description").startswith(codebook.code("relevance").definition)
    child = codebook.children("relevance")[0]
    assert relevance.find(f"{C}Code").get("name") == codebook.code(child).label

    back = import_qdc(first, tmp_path / "back.yaml")
    loaded = load_codebook(tmp_path / "back.yaml")
    fields = lambda book: [(c.id, c.label, c.parent, c.definition, c.include, c.exclude)
                           for c in book.codes]
    assert fields(loaded) == fields(back.codebook) == fields(codebook)


# --- project export ---------------------------------------------------------------------------------

def test_qdpx_export_is_valid_exact_and_deterministic(tmp_path):
    with small_project(tmp_path) as project:
        summary = export_qdpx(project, tmp_path / "a.qdpx", OFF)
        again = export_qdpx(project, tmp_path / "b.qdpx", OFF)
        segments = project.segments().set_index("segment_id")
        codings = project.query("SELECT segment_id, code_id, source FROM codings")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    assert (summary.sources, summary.selections, summary.codings, summary.cases) == (2, 3, 3, 2)
    assert again.users == summary.users == ["Ann", "qualkit ensemble (all-MiniLM-L6-v2)",
                                            "qualkit rule (en_core_web_sm)"]
    files = members(tmp_path / "a.qdpx")
    root = assert_valid(files["project.qde"], "Project-mrt2019.xsd")
    for name in ("Users", "CodeBook", "Variables", "Cases", "Sources", "Notes"):
        assert len(root.find(f"{P}{name}")) > 0, name
    assert root.find(f"{P}Sets") is None and root.find(f"{P}Links") is None

    sources = root.findall(f"{P}Sources/{P}TextSource")
    selected = []
    for source in sources:
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        text = files[f"sources/{source.get('guid')}.txt"].decode("utf-8")
        for selection in source.findall(f"{P}PlainTextSelection"):
            selected.append(text[int(selection.get("startPosition")):int(selection.get("endPosition"))])
    assert sorted(selected) == sorted(segments.loc[codings.segment_id, "text"])

    notes = {n.get("guid"): n for n in root.findall(f"{P}Notes/{P}Note")}
    ensemble = [c for c in root.iter(f"{P}Coding") if c.find(f"{P}NoteRef") is not None]
    scored = {notes[c.find(f"{P}NoteRef").get("targetGUID")].get("name") for c in ensemble}
    assert scored == {"score 0.8100", "score 0.6000"}
    assert "rule: phrase 'fine' | semantic" in files["project.qde"].decode()
    case = root.find(f"{P}Cases/{P}Case[@name='P01']")
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{P}Variable")}
    assert {variables[v.find(f"{P}VariableRef").get("targetGUID")]: v.findtext(f"{P}TextValue")
            for v in case.findall(f"{P}VariableValue")} == {"area": "Area B", "role": "Mother"}


def test_qdpx_source_text_reads_back_into_the_same_turns(tmp_path):
    with small_project(tmp_path) as project:
        export_qdpx(project, tmp_path / "a.qdpx", OFF)
        original = sources_of(project)
    text = [v for k, v in members(tmp_path / "a.qdpx").items() if k.endswith(".txt")]
    assert any(t.startswith(b"Interviewer: What did the court tell you?\n\nRespondent: ") for t in text)
    assert any(b"[00:02:10] Respondent: It was fine, I suppose.\nThe other parents" in t for t in text)
    with Project(tmp_path / "b.qualkit") as project:
        import_qdpx(tmp_path / "a.qdpx", project)
        assert sources_of(project) == original
        assert project.turns().time.tolist().count("00:02:10") == 1


def test_machine_and_human_codings_come_back_as_they_went(tmp_path):
    with small_project(tmp_path) as project:
        export_qdpx(project, tmp_path / "a.qdpx", OFF)
        before = coded_spans(project)
        attributes = attributes_of(project)
    with Project(tmp_path / "b.qualkit") as project:
        result = import_qdpx(tmp_path / "a.qdpx", project)
        assert result.report.ok, result.report.errors
        assert coded_spans(project) == before
        assert {s for *_, s, _, _ in before} == {"human:Ann", "ensemble", "rule"}
        assert attributes_of(project) == attributes
        assert codes_of(project) == sorted((c.id, c.label, c.parent, c.definition, c.include,
                                            c.exclude) for c in load_codebook(SPIP).codes)


def test_only_chosen_coders_are_exported(tmp_path):
    with small_project(tmp_path) as project:
        summary = export_qdpx(project, tmp_path / "a.qdpx", OFF, sources=("human",))
    assert (summary.users, summary.codings) == (["Ann"], 1)


# --- import of another tool's project, and the round trip ------------------------------------------

def test_foreign_project_import(tmp_path):
    with Project(tmp_path / "b.qualkit") as project:
        result = import_qdpx(foreign_qdpx(tmp_path / "foreign.qdpx"), project)
        spans = coded_spans(project)
        attributes = attributes_of(project)
        turns = project.turns()
    assert [f.status for f in result.report.files] == ["imported", "imported"]
    assert result.selections == 6 and result.users == ["human:Beth", "human:Carl"]
    assert [c.id for c in result.codebook.codes] == ["court", "letters", "peers_staff"]
    assert result.codebook.code("letters").parent == "court"
    assert result.codebook.code("court").definition == "Anything the parent says about the family court."
    errors = "\n".join(result.report.errors)
    assert "skipped 1 audio source(s) ('Interview A.m4a')" in errors
    assert "[E132]" in errors and "[E130]" in errors  # on the interviewer; beyond the text
    case = ("Interview A", "Interview A.docx")
    assert {(*case, "letters", "human:Beth", "A letter, nothing else.", None),
            (*case, "court", "human:Carl",
             "It said we had to go on a course.\nI never heard from them again.", None),
            (*case, "peers_staff", "human:Beth", "never heard from them again.", None),
            (*case, "peers_staff", "human:Beth", "They were the best part", None),
            ("Field notes", "Field notes", "peers_staff", "human:Beth", "Staff were kind", None),
            } == spans
    assert attributes["Interview A"] == {"role": "Mother", "children": "2"}
    notes = turns[turns.case_id == "Field notes"]
    assert notes[["speaker", "role", "text"]].values.tolist() == [
        ["Respondent", "respondent", "The family centre was busy."],
        ["Respondent", "respondent", "Staff were kind and the room was warm."]]


def test_round_trip_keeps_codes_sources_spans_and_attributes(tmp_path):
    foreign = foreign_qdpx(tmp_path / "foreign.qdpx")
    with Project(tmp_path / "b.qualkit") as first:
        import_qdpx(foreign, first)
        export_qdpx(first, tmp_path / "b.qdpx", OFF)
        expected = (codes_of(first), sources_of(first), coded_spans(first), attributes_of(first))
    with Project(tmp_path / "c.qualkit") as second:
        result = import_qdpx(tmp_path / "b.qdpx", second)
        assert result.report.ok, result.report.errors
        assert (codes_of(second), sources_of(second), coded_spans(second),
                attributes_of(second)) == expected
        export_qdpx(second, tmp_path / "c.qdpx", OFF)
    # and the selections of the re-export point at exactly the coded text
    files = members(tmp_path / "c.qdpx")
    root = etree.fromstring(files["project.qde"])
    selected = {files[f"sources/{s.get('guid')}.txt"].decode()[
        int(p.get("startPosition")):int(p.get("endPosition"))]
        for s in root.iter(f"{P}TextSource") for p in s.iter(f"{P}PlainTextSelection")}
    assert selected == {span[4] for span in expected[2]}


def test_bare_project_qde_with_texts_beside_it(tmp_path):
    """An unzipped project: internal:// texts in a sources folder beside project.qde (here with
    Windows line ends, counted as they stand), an inline text, a source's own variables, a source
    two cases claim, and a coding of a whole source (reported: qualkit codes segments)."""
    crlf = "Interviewer: How did it go?\r\nMother: At first it was loud.\r\nThen we stayed calm.\r\n"
    inline = "Q: Anything else?\nA: Nothing more to say."
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / f"{S1}.txt").write_bytes(crlf.encode("utf-8"))
    calm, more = _select(crlf, "we stayed calm"), _select(inline, "Nothing more")
    (tmp_path / "project.qde").write_text(f"""<Project xmlns="urn:QDA-XML:project:1.0" name="Bare">
 <CodeBook><Codes><Code guid="C0DE0000-0000-4000-8000-000000000001" name="Calm" isCodable="true"/>
 </Codes></CodeBook>
 <Variables><Variable guid="AAAA0000-0000-4000-8000-000000000001" name="site" typeOfVariable="Text"/>
 </Variables>
 <Cases><Case guid="CA5E0000-0000-4000-8000-000000000001" name="Family 1"><SourceRef targetGUID="{S1}"/></Case>
  <Case guid="CA5E0000-0000-4000-8000-000000000002" name="Family 2"><SourceRef targetGUID="{S1}"/></Case>
 </Cases>
 <Sources>
  <TextSource guid="{S1}" name="crlf.txt" plainTextPath="internal://{S1}.txt">
   <PlainTextSelection guid="5E1EC700-0000-4000-8000-000000000001" startPosition="{calm[0]}" endPosition="{calm[1]}">
    <Coding guid="C0D10000-0000-4000-8000-000000000001"><CodeRef targetGUID="C0DE0000-0000-4000-8000-000000000001"/></Coding>
   </PlainTextSelection>
   <VariableValue><VariableRef targetGUID="AAAA0000-0000-4000-8000-000000000001"/><TextValue>North</TextValue></VariableValue>
  </TextSource>
  <TextSource guid="{S2}" name="inline"><PlainTextContent>{inline}</PlainTextContent>
   <PlainTextSelection guid="5E1EC700-0000-4000-8000-000000000002" startPosition="{more[0]}" endPosition="{more[1]}">
    <Coding guid="C0D10000-0000-4000-8000-000000000002"><CodeRef targetGUID="C0DE0000-0000-4000-8000-000000000001"/></Coding>
   </PlainTextSelection>
   <Coding guid="C0D10000-0000-4000-8000-000000000003"><CodeRef targetGUID="C0DE0000-0000-4000-8000-000000000001"/></Coding>
  </TextSource>
 </Sources>
</Project>""", encoding="utf-8")
    with Project(tmp_path / "p.qualkit") as project:
        result = import_qdpx(tmp_path / "project.qde", project)
        assert [f.status for f in result.report.files] == ["imported", "imported"]
        assert len(result.report.errors) == 2 and "[E137]" in result.report.errors[1]
        assert "skipped 1 coding(s) of whole text sources ('inline')" in result.report.errors[0]
        assert coded_spans(project) == {
            ("Family 1", "crlf.txt", "calm", "human:project.qde", "we stayed calm", None),
            ("inline", "inline", "calm", "human:project.qde", "Nothing more", None)}
        assert attributes_of(project) == {"Family 1": {"site": "North"}, "Family 2": {}, "inline": {}}


def test_reimporting_the_same_file_adds_nothing(tmp_path):
    foreign = foreign_qdpx(tmp_path / "foreign.qdpx")
    with Project(tmp_path / "b.qualkit") as project:
        first = import_qdpx(foreign, project)
        second = import_qdpx(foreign, project)
        assert first.codings == 5 and second.codings == 0
        assert [f.status for f in second.report.files] == ["unchanged", "unchanged"]
        assert len(project.query("SELECT * FROM codebooks")) == 1


def test_all_speakers_keeps_codings_of_interviewer_turns(tmp_path):
    from qualkit import Segmenter

    with Project(tmp_path / "b.qualkit") as project:
        result = import_qdpx(foreign_qdpx(tmp_path / "f.qdpx"), project,
                             segmenter=Segmenter(all_speakers=True))
        assert "[E132]" not in "\n".join(result.report.errors)
        assert ("Interview A", "Interview A.docx", "court", "human:Beth",
                "What did the court send you?", None) in coded_spans(project)


# --- privacy ----------------------------------------------------------------------------------------

PLANTED = P01.replace("that was it.", "that was it. My ex is Sarah Jenkins.").replace(
    "area: Area B", "area: Area B\nex_partner: Sarah Jenkins")


def test_planted_name_never_reaches_the_archive(tmp_path):
    with small_project(tmp_path, p01=PLANTED) as project:
        summary = export_qdpx(project, tmp_path / "a.qdpx", PrivacyGate())
        original = project.segments()["text"][0]
    assert summary.redacted >= 2
    files = members(tmp_path / "a.qdpx")
    for name, data in files.items():
        assert b"Sarah" not in data and b"Jenkins" not in data, name
    root = etree.fromstring(files["project.qde"])
    first = root.find(f"{P}Sources/{P}TextSource")
    text = files[f"sources/{first.get('guid')}.txt"].decode()
    selection = first.find(f"{P}PlainTextSelection")
    covered = text[int(selection.get("startPosition")):int(selection.get("endPosition"))]
    assert covered == original.replace("Sarah Jenkins", "[person 1]")


def test_strict_mode_refuses_and_writes_nothing(tmp_path, runner):
    with small_project(tmp_path, p01=PLANTED) as project, pytest.raises(QualkitError) as refused:
        export_qdpx(project, tmp_path / "a.qdpx", PrivacyGate(mode="strict"))
    assert refused.value.code == "E091"
    assert not (tmp_path / "a.qdpx").exists()
    result = runner.invoke(main, ["export", "qdpx", "--project", str(tmp_path / "a.qualkit"),
                                  "--out", str(tmp_path / "a.qdpx"), "--strict"])
    assert result.exit_code == 3 and "[E091]" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "a.qdpx").exists()


# --- spreadsheets -----------------------------------------------------------------------------------

def test_sheets_of_codings_and_cases(tmp_path):
    with small_project(tmp_path, p01=PLANTED) as project:
        codings = export_sheet(project, tmp_path / "codings.csv", "codings", PrivacyGate())
        cases = export_sheet(project, tmp_path / "cases.xlsx", "cases", PrivacyGate())
        export_sheet(project, tmp_path / "cases.csv", "cases", PrivacyGate())
    sheet = pd.read_csv(tmp_path / "codings.csv")
    assert list(sheet.columns) == ["segment_id", "case", "code", "source", "score"]
    assert (codings.rows, len(sheet)) == (3, 3)
    assert set(sheet.source) == {"human:Ann", "ensemble", "rule"}
    table = pd.read_excel(tmp_path / "cases.xlsx", sheet_name="cases").fillna("")
    assert list(table.columns) == ["case", "area", "ex_partner", "role"] and cases.rows == 2
    assert table.ex_partner.tolist() == ["[person 1]", ""]
    assert read_cases_sheet(tmp_path / "cases.csv")["P01"] == {
        "area": "Area B", "ex_partner": "[person 1]", "role": "Mother"}


# --- the commands, and bad input --------------------------------------------------------------------

def test_cli_export_and_import(tmp_path, runner):
    small_project(tmp_path).close()
    project = str(tmp_path / "a.qualkit")
    steps = [["export", "qdc", "--codebook", str(SPIP), "--out", str(tmp_path / "c.qdc")],
             ["import-qdc", str(tmp_path / "c.qdc"), "--out", str(tmp_path / "c.yaml")],
             ["export", "qdpx", "--project", project, "--out", str(tmp_path / "a.qdpx")],
             ["import-qdpx", str(tmp_path / "a.qdpx"), "--project", str(tmp_path / "b.qualkit"),
              "--codebook-out", str(tmp_path / "b.yaml")],
             ["export", "csv", "--project", project, "--out", str(tmp_path / "codings.csv")],
             ["export", "xlsx", "--project", project, "--out", str(tmp_path / "cases.xlsx"),
              "--what", "cases"]]
    for step in steps:
        result = runner.invoke(main, step)
        assert result.exit_code == 0, (step, result.output)
        if step[0] == "import-qdpx":
            assert "3 new codings by 3 coders" in result.output
    assert load_codebook(tmp_path / "c.yaml").ids == load_codebook(SPIP).ids
    assert load_codebook(tmp_path / "b.yaml").ids == load_codebook(SPIP).ids


def _zip(*entries: tuple[str, str]):
    def make(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in entries:
                archive.writestr(name, content)
    return make


BAD_PROJECTS = {
    "E120": ("not-a-zip.qdpx", lambda p: p.write_text("hello"), None),
    "E121": ("no-qde.qdpx", _zip(("readme.txt", "hello")), None),
    "E122": ("malformed.qdpx", _zip(("project.qde", ('<?xml version="1.0"?>\n<Project xmlns="urn:'
                                      'QDA-XML:project:1.0" name="x">\n<Users></Project>'))), 3),
    "E123": ("invalid.qdpx", _zip(("project.qde", ('<Project xmlns="urn:QDA-XML:project:1.0" name='
                                    '"x">\n<Users><User name="no guid"/></Users></Project>'))), 2),
    "E124": ("codebook.qde", lambda p: p.write_bytes(TAGUETTE.read_bytes()), 2),
    "E125": ("codebook.qdc", lambda p: p.write_bytes(TAGUETTE.read_bytes()), None),
    "E001": ("missing.qdpx", None, None),
}


@pytest.mark.parametrize("code", sorted(BAD_PROJECTS))
def test_bad_projects_get_one_line_with_place_and_fix(tmp_path, runner, code):
    name, make, line = BAD_PROJECTS[code]
    path = tmp_path / name
    if make:
        make(path)
    with pytest.raises(QualkitError) as raised:
        read_project(path)
    assert raised.value.code == code and raised.value.line == line
    assert str(path) in str(raised.value) and "Fix: " in str(raised.value)

    result = runner.invoke(main, ["import-qdpx", str(path), "--project", str(tmp_path / "p.qualkit")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: ") and f"[{code}]" in errors[0]


@pytest.mark.parametrize("name, content, code", [
    ("project.qdc", b"PK\x03\x04", "E138"),
    ("broken.qdc", b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes>", "E122"),
    ("empty-codes.qdc", b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes/></CodeBook>", "E123"),
])
def test_bad_codebooks_get_one_line(tmp_path, runner, name, content, code):
    path = tmp_path / name
    if code == "E138":
        _zip(("project.qde", "<Project/>"))(path)
    else:
        path.write_bytes(content)
    with pytest.raises(QualkitError) as raised:
        read_qdc(path)
    assert raised.value.code == code
    result = runner.invoke(main, ["import-qdc", str(path), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and f"[{code}]" in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_export_of_an_empty_project_says_what_to_do(tmp_path, runner):
    Project(tmp_path / "empty.qualkit").close()
    for step in (["export", "qdpx"], ["export", "csv"]):
        result = runner.invoke(main, [*step, "--project", str(tmp_path / "empty.qualkit"),
                                      "--out", str(tmp_path / "x")])
        assert result.exit_code == 3 and "[E135]" in result.stderr and "Fix: " in result.stderr
