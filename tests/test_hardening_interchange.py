"""REFI-QDA projects, codebooks and .docx files built to do harm (issue 25, items 2, 6, 20 and 22).
Each is built in tmp_path and must end in one line with a code and no traceback, while the rest of
the archive (or of the batch) goes on.

Limits chosen (the constants live in qualkit/safezip.py, whose docstring gives the reasons):

- 500 MB (``MEMBER_LIMIT``) for one file read out of an archive (or from a project's sources
  folder): the largest real input met is a 200 MB transcript, so this leaves room for one well over
  twice that, but not for the gigabytes a bomb declares.
- 1 GB (``TOTAL_LIMIT``) for everything read from one archive together; members that are never
  read (a project's video) do not count.
- 500:1 (``RATIO_LIMIT``) for members over 8 MB (``RATIO_FLOOR``): transcripts deflate about 3:1,
  project XML about 16:1, Word's styles.xml 29:1, and lines of nothing but spaces under 300:1;
  bombs sit at deflate's ceiling of about 1,030:1. Smaller members cannot exhaust memory whatever
  their ratio.
- The declared size is checked before a member is read, and the read itself stops one byte past
  it (``read_capped``), because a header can lie.
- ``relative://`` source paths are read only from the folder passed as ``--sources-dir``
  (``sources_dir=``), never through '..' or a link out of it; ``internal://`` ones only from the
  archive (or from the ``sources`` folder beside a bare project.qde, the unzipped archive).
- A codebook of 20,000 codes (within the 4 MB a YAML codebook file may have) must import inside
  ``LIMIT_S``, and ids for 100,000 clashing names must be found inside 60 s (they take under a
  second). Before the fix each id was found by building a set of every id taken so far and counting
  up from 2 (twice quadratic); the bounds turn a return to that into a failure, not a stuck suite.
  Seconds are not asserted.
- Cases that could hang are bounded by ``LIMIT_S`` = 300 s (SIGALRM), many times what they take,
  so that a hang (a pipe named as a source) fails the test instead of hanging the suite.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import uuid
import zipfile
from pathlib import Path

import pytest

from bounds import within
from qualkit import Project, QualkitError
from qualkit.cli import main
from qualkit.errors import Errors
from qualkit.interchange import export_qdpx, import_qdpx, read_project, read_qdc
from qualkit.interchange.codes import RefiCode, _UniqueIds, to_codebook
from qualkit.privacy import PrivacyGate
from qualkit.safezip import MEMBER_LIMIT, RATIO_FLOOR, ReadBudget, read_capped

ROOT = Path(__file__).resolve().parent.parent
FOUR = ROOT / "tests" / "data" / "four_interviews"
WORD = ROOT / "transcripts_sample" / "P04.docx"
LIMIT_S = 300
OFF = PrivacyGate(mode="off")
CODE = "C0DE0000-0000-4000-8000-000000000001"
GOOD = "Interviewer: How was the group?\nRespondent: It was calm, and the other parents helped.\n"
SECRET = "Interviewer: What is in the file?\nRespondent: the secret that lies beside the archive.\n"




def guid(n: int) -> str:
    return str(uuid.UUID(int=n)).upper()


def source(n: int, name: str, path: str, own_guid: str | None = None) -> str:
    return f'<TextSource guid="{own_guid or guid(n)}" name="{name}" plainTextPath="{path}"/>'


def qde(*sources: str, codes: str = f'<Code guid="{CODE}" name="Calm" isCodable="true"/>') -> str:
    return (f'<Project xmlns="urn:QDA-XML:project:1.0" name="Hostile"><CodeBook><Codes>{codes}'
            f'</Codes></CodeBook><Sources>{"".join(sources)}</Sources></Project>')


def archive(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in members.items():
            out.writestr(name, content)
    return path


def declare(path: Path, member: str, size: int) -> None:
    """Make the archive's central directory say ``member`` inflates to ``size`` bytes, as a forged
    bomb does; its data stays as it is."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + length].decode() == member:
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def errors_of(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error")]


def stored_sources(path: Path) -> list[str]:
    with Project(path) as project:
        return sorted(project.transcripts()["source_name"])


# --- item 2: a project reads only from inside itself ----------------------------------------------

def test_a_relative_source_beside_the_archive_is_not_read(tmp_path, runner):
    (tmp_path / "secret.txt").write_text(SECRET)
    project = archive(tmp_path / "hostile.qdpx", {
        "project.qde": qde(source(1, "good.txt", f"internal://{guid(1)}.txt"),
                           source(2, "secret.txt", "relative://secret.txt"),
                           source(3, "passwd.txt", "relative:///../../etc/passwd")),
        f"sources/{guid(1)}.txt": GOOD})
    result = runner.invoke(main, ["import-qdpx", str(project), "--project", str(tmp_path / "p.qualkit")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = errors_of(result.stderr)
    assert len(errors) == 2 and all("[E150]" in e and "--sources-dir" in e for e in errors), errors
    assert "'secret.txt'" in errors[0] and "'passwd.txt'" in errors[1]
    assert stored_sources(tmp_path / "p.qualkit") == ["good.txt"]  # the rest was imported

    with Project(tmp_path / "p.qualkit") as stored:
        export_qdpx(stored, tmp_path / "again.qdpx", OFF)
    with zipfile.ZipFile(tmp_path / "again.qdpx") as again:
        written = b"".join(again.read(name) for name in again.namelist())
    assert b"the secret that lies beside" not in written and b"other parents helped" in written


def test_relative_sources_come_only_from_the_named_folder_and_never_out_of_it(tmp_path):
    named = tmp_path / "named"
    (named / "inner").mkdir(parents=True)
    (named / "inner" / "P01.txt").write_text(GOOD)
    (named / "alias.txt").symlink_to(named / "inner" / "P01.txt")  # a link inside the folder: fine
    (tmp_path / "secret.txt").write_text(SECRET)
    (named / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (named / "up").symlink_to(tmp_path)  # a folder link out of it
    project = archive(tmp_path / "p.qdpx", {"project.qde": qde(
        source(1, "P01.txt", "relative:///inner/P01.txt"),
        source(2, "alias.txt", "relative://alias.txt"),
        source(3, "escape.txt", "relative://escape.txt"),
        source(4, "dotdot.txt", "relative://inner/../../secret.txt"),
        source(5, "up.txt", "relative://up/secret.txt"),
        source(6, "missing.txt", "relative://missing.txt"))})
    with Project(tmp_path / "p.qualkit") as stored:
        result = import_qdpx(project, stored, sources_dir=named)
    failed = {Path(f.path).name: f.error for f in result.report.files if f.status == "failed"}
    assert sorted(failed) == ["dotdot.txt", "escape.txt", "missing.txt", "up.txt"], failed
    assert "[E151]" in failed["escape.txt"] and "through a link" in failed["escape.txt"]
    assert "[E151]" in failed["up.txt"] and "through '..'" in failed["dotdot.txt"]
    assert "[E127]" in failed["missing.txt"] and str(named) in failed["missing.txt"]
    assert all("\n" not in e and "Fix: " in e for e in failed.values())
    assert stored_sources(tmp_path / "p.qualkit") == ["P01.txt", "alias.txt"]


def test_a_link_in_the_sources_folder_of_a_bare_project_qde_is_not_followed(tmp_path):
    (tmp_path / "elsewhere.txt").write_text(SECRET)
    bare = tmp_path / "bare"
    (bare / "sources").mkdir(parents=True)
    (bare / "sources" / f"{guid(1)}.txt").write_text(GOOD)
    (bare / "sources" / f"{guid(2)}.txt").symlink_to(tmp_path / "elsewhere.txt")
    (bare / "project.qde").write_text(qde(source(1, "good.txt", f"internal://{guid(1)}.txt"),
                                          source(2, "linked.txt", f"internal://{guid(2)}.txt"),
                                          source(3, "up.txt", "internal://../elsewhere.txt")))
    read = read_project(bare / "project.qde")
    assert read.sources[0].text == GOOD
    assert [s.text for s in read.sources[1:]] == [None, None]
    assert "[E151]" in read.sources[1].problem and "'linked.txt'" in read.sources[1].problem
    assert "[E151]" in read.sources[2].problem


def test_a_pipe_in_the_sources_folder_is_one_line_not_a_hang(tmp_path, runner):
    named = tmp_path / "named"
    named.mkdir()
    (named / "P01.txt").write_text(GOOD)
    os.mkfifo(named / "waiting.txt")  # a read would block for ever
    project = archive(tmp_path / "p.qdpx", {"project.qde": qde(
        source(1, "P01.txt", "relative://P01.txt"), source(2, "waiting.txt", "relative://waiting.txt"))})
    with within(LIMIT_S):
        done = runner.invoke(main, ["import-qdpx", str(project), "--project",
                                    str(tmp_path / "p.qualkit"), "--sources-dir", str(named)])
    assert done.exit_code == 1 and "Traceback" not in done.output, done.output
    errors = errors_of(done.stderr)
    assert len(errors) == 1 and "[E141]" in errors[0] and "a pipe" in errors[0], errors
    assert stored_sources(tmp_path / "p.qualkit") == ["P01.txt"]


# --- item 6: decompression bombs ------------------------------------------------------------------

SPACES = b" " * (64 << 20)  # 64 MiB that deflate to 64 KB: about 1,000:1


def test_a_bomb_for_a_project_qde_is_one_line(tmp_path, runner):
    ratio = archive(tmp_path / "ratio.qdpx", {"project.qde": SPACES})
    forged = archive(tmp_path / "forged.qdpx", {"project.qde": qde()})
    declare(forged, "project.qde", 4_000_000_000)
    for path, code in ((ratio, "E153"), (forged, "E152")):
        with pytest.raises(QualkitError) as raised:
            read_project(path)
        assert raised.value.code == code and "project.qde" in str(raised.value)
        result = runner.invoke(main, ["import-qdpx", str(path), "--project",
                                      str(tmp_path / "p.qualkit")])
        assert result.exit_code == 2 and "Traceback" not in result.output
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(errors) == 1 and f"[{code}]" in errors[0] and "Fix: " in errors[0], errors


def test_a_bomb_among_the_sources_is_skipped_and_the_rest_imported(tmp_path, runner):
    project = archive(tmp_path / "p.qdpx", {
        "project.qde": qde(source(1, "good.txt", f"internal://{guid(1)}.txt"),
                           source(2, "ratio.txt", f"internal://{guid(2)}.txt"),
                           source(3, "forged.txt", f"internal://{guid(3)}.txt")),
        f"sources/{guid(1)}.txt": GOOD, f"sources/{guid(2)}.txt": SPACES,
        f"sources/{guid(3)}.txt": GOOD})
    declare(project, f"sources/{guid(3)}.txt", 3_000_000_000)
    result = runner.invoke(main, ["import-qdpx", str(project), "--project", str(tmp_path / "p.qualkit")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = errors_of(result.stderr)
    assert len(errors) == 2, errors
    assert "[E153]" in errors[0] and "'ratio.txt'" in errors[0] and guid(2) in errors[0]
    assert "[E152]" in errors[1] and "'forged.txt'" in errors[1] and "3 GB" in errors[1]
    assert stored_sources(tmp_path / "p.qualkit") == ["good.txt"]


def test_a_header_that_declares_too_little_is_one_line(tmp_path):
    """CPython's zipfile stops at the declared size and then fails the CRC; either way one line."""
    project = archive(tmp_path / "p.qdpx", {"project.qde": qde()})
    declare(project, "project.qde", 40)
    with pytest.raises(QualkitError) as raised:
        read_project(project)
    assert raised.value.code in ("E120", "E155") and "\n" not in str(raised.value)


def test_a_stream_is_read_with_a_hard_cap():
    class Endless(io.RawIOBase):
        served = 0

        def read(self, size=-1):
            self.served += size
            return b"\0" * size

    def too_long() -> QualkitError:
        return QualkitError(Errors.E155, path="x", member="'m'", size="3 MB", fix="none.")

    stream = Endless()
    with pytest.raises(QualkitError) as raised:
        read_capped(stream, 3 << 20, too_long)
    assert raised.value.code == "E155" and stream.served <= (3 << 20) + 1  # one byte past the cap
    assert read_capped(io.BytesIO(b"abc"), 3, too_long) == b"abc"


def test_the_total_read_from_one_archive_is_capped(tmp_path):
    path = archive(tmp_path / "two.zip", {"a": b"x" * 1000, "b": b"y" * 1000})
    budget = ReadBudget(path, "none.", total_limit=1500)
    with zipfile.ZipFile(path) as opened:
        assert budget.read(opened, "a") == b"x" * 1000
        with pytest.raises(QualkitError) as raised:
            budget.read(opened, "b")
    assert raised.value.code == "E154" and "'b'" in str(raised.value)
    assert MEMBER_LIMIT > 2 * 200_000_000 and RATIO_FLOOR < MEMBER_LIMIT  # room for real inputs


def word_bomb(path: Path, document: bytes, declared: int | None = None) -> Path:
    """A real .docx (the sample's parts) whose document part is ``document``."""
    with zipfile.ZipFile(WORD) as real:
        parts = {name: real.read(name) for name in real.namelist()}
    parts["word/document.xml"] = document
    archive(path, parts)
    if declared:
        declare(path, "word/document.xml", declared)
    return path


def test_a_word_bomb_in_a_batch_is_one_line_and_the_rest_imported(tmp_path, runner):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FOUR / "K01.txt", folder / "K01.txt")
    word_bomb(folder / "ratio.docx", SPACES)
    with zipfile.ZipFile(WORD) as real:
        word_bomb(folder / "forged.docx", real.read("word/document.xml"), declared=2_000_000_000)
    result = runner.invoke(main, ["import", str(folder), "--project", str(tmp_path / "p.qualkit")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = errors_of(result.stderr)
    assert any("forged.docx" in e and "[E152]" in e for e in errors), errors
    assert any("ratio.docx" in e and "[E153]" in e for e in errors), errors
    assert stored_sources(tmp_path / "p.qualkit") == ["K01.txt"]


def test_a_word_bomb_is_refused_before_python_docx_opens_it(tmp_path, runner):
    """anonymise opens .docx with python-docx, which inflates every part whole."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FOUR / "K01.txt", folder / "K01.txt")
    word_bomb(folder / "ratio.docx", SPACES)
    result = runner.invoke(main, ["anonymise", str(folder), "--out", str(tmp_path / "out")])
    assert "Traceback" not in result.output, result.output
    assert any("ratio.docx" in e and "[E153]" in e for e in errors_of(result.stderr)), result.output
    assert (tmp_path / "out" / "K01.txt").exists()


# --- item 20: duplicate GUIDs ---------------------------------------------------------------------

def test_two_codes_with_one_guid_are_refused_in_a_qdc(tmp_path, runner):
    path = tmp_path / "dup.qdc"
    path.write_text(f"""<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="{CODE}" name="Calm" isCodable="true"/>
<Code guid="{{{CODE.lower()}}}" name="Angry" isCodable="true"/>
</Codes></CodeBook>""")
    with pytest.raises(QualkitError) as raised:
        read_qdc(path)
    assert raised.value.code == "E156" and raised.value.line == 3
    assert "'Calm'" in str(raised.value) and "'Angry'" in str(raised.value)
    result = runner.invoke(main, ["import-qdc", str(path), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "[E156]" in result.stderr
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize("what", ["code", "source"])
def test_a_guid_used_twice_in_a_project_is_refused_before_anything_is_stored(tmp_path, runner, what):
    codes = (f'<Code guid="{CODE}" name="Calm" isCodable="true"/>'
             f'<Code guid="{CODE if what == "code" else guid(99)}" name="Angry" isCodable="true"/>')
    project = archive(tmp_path / "p.qdpx", {
        "project.qde": qde(source(1, "a.txt", f"internal://{guid(1)}.txt"),
                           source(2, "b.txt", f"internal://{guid(2)}.txt",
                                  guid(1) if what == "source" else None), codes=codes),
        f"sources/{guid(1)}.txt": GOOD, f"sources/{guid(2)}.txt": GOOD})
    result = runner.invoke(main, ["import-qdpx", str(project), "--project", str(tmp_path / "p.qualkit")])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "[E156]" in errors[0] and f"{what} GUID" in errors[0], errors
    assert stored_sources(tmp_path / "p.qualkit") == []


def test_selections_and_cases_sharing_a_guid_are_refused_too(tmp_path):
    selection = (f'<PlainTextSelection guid="{guid(7)}" startPosition="0" endPosition="5">'
                 f'<Coding guid="{guid(8)}"><CodeRef targetGUID="{CODE}"/></Coding>'
                 '</PlainTextSelection>')
    text = (f'<TextSource guid="{guid(1)}" name="a"><PlainTextContent>{GOOD}</PlainTextContent>'
            f'{selection}{selection.replace(guid(8), guid(9))}</TextSource>')
    (tmp_path / "selections.qde").write_text(qde(text))
    cases = (f'<Cases><Case guid="{guid(5)}" name="Family 1"/><Case guid="{guid(5)}" name="Family 2"/>'
             '</Cases>')
    (tmp_path / "cases.qde").write_text(qde().replace("<Sources></Sources>", cases))
    for name, what in (("selections.qde", "selection"), ("cases.qde", "case")):
        with pytest.raises(QualkitError) as raised:
            read_project(tmp_path / name)
        assert raised.value.code == "E156" and f"{what} GUID {guid(5 if what == 'case' else 7)}" in str(
            raised.value), str(raised.value)


# --- item 22: cost of a large codebook ------------------------------------------------------------

def test_clashing_names_get_the_ids_they_always_got():
    """The id rule, from its docstring: the name's slug, then the parent's id as a prefix, then
    the smallest free number from 2; an id a description asks for wins when it is free."""
    def code(n, name, parent=None, description=""):
        return RefiCode(guid(n), name, description, parent=guid(parent) if parent else None)

    codes = [code(1, "Theme"), code(2, "Other", 1), code(3, "Other", 1), code(4, "Other", 1),
             code(5, "Other"), code(6, "Other", description="(qualkit id: other_3)"),
             code(7, "Other", 1), code(8, "Other", description="(qualkit id: wanted)")]
    ids = to_codebook(codes, "x", "test").ids
    assert ids == ["theme", "other", "theme_other", "other_2", "other_3", "other_4", "other_5",
                   "wanted"]


def test_ids_for_a_hundred_thousand_clashing_names_are_found_in_bounded_time():
    """The step that was quadratic, alone (a codebook this large is slow to write as YAML): the
    old search built a set of every id taken, and counted up from 2, for every code; here that
    would be some 10^10 steps, which the bound turns into a failure."""
    unique = _UniqueIds()
    with within(60):
        ids = [unique.make(None, "Other", "theme" if n % 2 else None) for n in range(100_000)]
    assert ids[:4] == ["other", "theme_other", "other_2", "other_3"]
    assert len(set(ids)) == 100_000 and ids[-1] == "other_99999"


def test_a_codebook_of_twenty_thousand_codes_imports_in_bounded_time(tmp_path, runner):
    """100 themes of 199 codes each, most of them called 'Other', 'Positive' or 'Negative' as
    NVivo users name them: every name clashes hundreds of times."""
    names = ("Other", "Positive", "Negative")
    parts = ['<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>']
    n = 0
    for theme in range(100):
        n += 1
        parts.append(f'<Code guid="{guid(n)}" name="T{theme}" isCodable="true">')
        for child in range(199):
            n += 1
            parts.append(f'<Code guid="{guid(n)}" name="{names[child % 3]}" isCodable="true"/>')
        parts.append("</Code>")
    parts.append("</Codes></CodeBook>")
    path = tmp_path / "g.qdc"
    path.write_text("\n".join(parts))
    with within(LIMIT_S):
        done = runner.invoke(main, ["import-qdc", str(path), "--out", str(tmp_path / "g.yaml")])
    assert done.exit_code == 0 and "Traceback" not in done.output, done.output
    assert "20000 codes written" in done.stdout
    ids = [line.split(": ", 1)[1] for line in (tmp_path / "g.yaml").read_text().splitlines()
           if line.startswith("- id: ")]
    assert len(ids) == len(set(ids)) == 20000
