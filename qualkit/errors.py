"""Every message qualkit shows a user about bad input, in one catalogue.

Like spaCy's ``Errors`` class, each message has a stable code so that users can search for it and
tests can assert on it without matching prose. A message always says what is wrong *and* how to fix
it, because the people who meet these errors are researchers with a deadline, not programmers.
``Warnings`` holds the notes the commands print that are not errors (W001...). An entry's code is
its attribute name (:class:`WithCodes`), and no code may be defined twice.
"""

from __future__ import annotations

import re
from pathlib import Path

_CODE = re.compile(r"[A-Z]\d{3}$")


class Message(str):
    """A catalogue entry: the message template, which knows its code (its attribute name)."""

    code: str

    def __new__(cls, template: str, code: str = "E000") -> "Message":
        message = super().__new__(cls, template)
        message.code = code
        return message

    def format(self, *args: object, **fields: object) -> "Message":
        """The message with ``fields`` filled in, still knowing its code."""
        return Message(str.format(self, *args, **fields), self.code)


class _Entries(dict):
    """A catalogue's class body, in which a code may be defined only once."""

    def __setitem__(self, key: str, value: object) -> None:
        if _CODE.match(key) and key in self:
            raise TypeError(f"{key} is defined twice in the catalogue: give the second one a new code")
        super().__setitem__(key, value)


class WithCodes(type):
    """Like spaCy's ``ErrorsWithCodes``: each entry's code is its attribute name, so
    ``Errors.E001`` is a :class:`Message` whose ``code`` is ``"E001"``. Iterating over a catalogue
    gives its entries in the order they are defined."""

    @classmethod
    def __prepare__(mcs, name, bases, **kwargs):
        return _Entries()

    def __new__(mcs, name, bases, namespace, **kwargs):
        body = {key: Message(value, key) if _CODE.match(key) and isinstance(value, str) else value
                for key, value in namespace.items()}
        return super().__new__(mcs, name, bases, body, **kwargs)

    def __iter__(cls):
        return (value for key, value in vars(cls).items() if isinstance(value, Message))


class Errors(metaclass=WithCodes):
    """Message templates, formatted with keyword arguments by :class:`QualkitError`."""

    # reading files
    E001 = "file not found. Fix: check the path, or quote it if it contains spaces."
    E002 = "cannot read the file ({reason}). Fix: check that the file exists and that you may read it."
    E003 = "the file is empty. Fix: export the transcript again, or remove the file from the batch."
    E004 = ("the file looks binary, not text (a NUL byte at offset {offset}). Fix: save it as plain "
            "text (.txt, UTF-8) or as .docx.")
    E005 = ("the file is labelled {suffix} but its content is {actual}. Fix: rename it to {hint} or "
            "export it again as {suffix}.")
    E006 = ("unknown format '{suffix}'. Fix: use one of {known}, or convert the file (e.g. save a PDF "
            "transcript as .docx or .txt).")
    E007 = ("the text is not valid in UTF-8, UTF-16 or cp1252 (byte {byte} at offset {offset}). Fix: "
            "save the file as UTF-8.")
    # front matter
    E010 = ("front matter opened with '---' is never closed. Fix: add a line with '---' after the "
            "last key.")
    E011 = "front matter is not valid YAML ({problem}). Fix: write one 'key: value' per line."
    E012 = ("front matter must be 'key: value' lines, not a {kind}. Fix: write one 'key: value' per "
            "line, e.g. 'role: Mother'.")
    E013 = ("front matter key '{key}' holds a {kind}; only single values are allowed. Fix: write it as "
            "one value, e.g. '{key}: yes'.")
    # speaker turns
    E020 = ("no speaker labels found. Fix: start each turn on a new line with a label such as "
            "'Interviewer:' / 'Respondent:', 'I:' / 'R:', 'Q:' / 'A:' or 'Mother:'.")
    E021 = ("no respondent turns: every label is an interviewer label ({labels}). Fix: label the "
            "interviewee's turns, e.g. 'Respondent:' or 'Mother:'.")
    E022 = ("no speaker found in any cue. Fix: export the captions with speaker names (Teams and Zoom "
            "write '<v Name>' voice tags), or add 'Name: ' at the start of each cue.")
    E023 = ("timing line '{text}' is not of the form '00:00:01.000 --> 00:00:04.000'. Fix: repair or "
            "remove this cue.")
    E024 = "the document holds no text. Fix: check that the transcript was saved into the file."
    E025 = "not a valid Word document ({reason}). Fix: open it in Word and save it again as .docx."
    # tables of responses and sidecars
    E030 = ("no column '{column}' (columns are: {columns}). Fix: pass --{option} with the name of the "
            "column that holds the {what}.")
    E031 = ("id '{value}' is used by more than one row (rows {first} and {second}). Fix: give every "
            "row its own id.")
    E032 = "the table has no rows with text. Fix: check --text-column and that the sheet is not empty."
    E033 = ("cannot parse the table ({reason}). Fix: save it as a comma-separated .csv with one header "
            "row.")
    E034 = ("case sheet has no rows or no header. Fix: the first row holds column names and the first "
            "column holds case ids.")
    E035 = "case sheet row {row} has an empty case id. Fix: fill in the first column or delete the row."
    # project store
    E040 = ("project database was written by a newer qualkit (schema {found}, this qualkit knows up to "
            "{known}). Fix: upgrade qualkit.")
    E041 = "not a qualkit project database ({reason}). Fix: pass --project with a .qualkit file."
    E042 = ("segment id '{segment_id}' is already in the project (from {other}). Fix: give the rows "
            "ids that are unique across files, or import the file into another project.")
    # codebooks
    E060 = "cannot read the codebook ({reason}). Fix: check the path; codebooks live in codebooks/*.yaml."
    E061 = "the file is not valid YAML ({problem}). Fix: check indentation and quoting at this line."
    E073 = ("the file is not UTF-8 text (byte {byte} at offset {offset} is not {encoding}). Fix: "
            "save it as UTF-8 (in a text editor: Save As, encoding UTF-8).")
    E062 = ("the codebook must be a mapping with a 'codes' list. Fix: start the file with 'name: ...' "
            "and 'codes:' followed by '- id: ...' entries.")
    E063 = "code {position} has no 'id'. Fix: add 'id: some_snake_case_id'."
    E064 = ("code id '{code}' is not snake_case. Fix: use lower-case letters, digits and underscores, "
            "starting with a letter, e.g. '{suggestion}'.")
    E065 = "code id '{code}' is defined twice (first at line {first}). Fix: rename or merge one of them."
    E066 = ("code '{code}' names parent '{parent}', which is not defined. Fix: define '{parent}' or "
            "correct the parent id.")
    E067 = "codes {cycle} are each other's ancestors (a cycle). Fix: remove one 'parent' link."
    E068 = "code '{code}' has an empty definition. Fix: write one or two sentences a second coder could apply."
    E069 = "code '{code}' has a pattern spaCy rejects ({problem}). Fix: {fix}"
    E072 = ("the codebook's '{key}' must be a list of words or phrases. Fix: write it as "
            "'{key}: [word, another phrase]', or leave it out.")
    E070 = ("code '{code}' has unknown key '{key}'. Fix: use only {allowed}.")
    E071 = "code '{code}': '{key}' must be {expected}. Fix: {fix}"
    # coding inputs
    E075 = ("no segments to code in the input. Fix: give transcripts, folders, or a .csv with a 'text' "
            "column.")
    E076 = ("the gold file has no column for any code of the codebook (columns: {columns}). Fix: add "
            "0/1 columns named by code ids, or a 'codes'/'themes' column of ';'-separated ids.")
    E077 = ("unknown code id '{code}' in the {what}. Fix: use ids from the codebook ({known}).")
    E078 = ("no rows in common between {left} and {right} (matched on '{key}'). Fix: both files need the "
            "same segment ids in an 'id' or 'segment_id' column.")
    E079 = ("cannot cross-validate over {folds} folds: the sheet has only {groups} case(s). Fix: "
            "pass a smaller --cv, or code more cases.")
    # topics
    E080 = ("only {found} segments: topic models need at least {needed} to find anything. Fix: "
            "give more transcripts, or use --unit sentence for smaller segments.")
    # privacy
    E090 = "cannot read the privacy policy ({reason}). Fix: write YAML with 'allow:', 'names:' or 'kinds:' lists."
    E091 = ("refused to write: {count} personal detail(s) found ({first}). Fix: anonymise the source "
            "('qualkit anonymise'), add allowed words to a --policy file, or leave out --strict to "
            "redact.")
    # typologies
    E100 = "cannot read the typology ({reason}). Fix: check the path; typologies live in codebooks/*_typology.yaml."
    E101 = ("the typology must be a mapping with 'dimensions' and 'types' lists. Fix: start the file "
            "with 'name: ...', then 'dimensions:' and 'types:' entries.")
    E102 = "{what} {position} has no 'id'. Fix: add 'id: some_snake_case_id'."
    E103 = "{what} id '{item}' is defined twice. Fix: rename or merge one of them."
    E104 = ("type '{type}' names unknown dimension '{dimension}'. Fix: use one of {known}, or define "
            "the dimension under 'dimensions:'.")
    E105 = ("'{value}' is not an allowed value of dimension '{dimension}'{where}. Fix: use one of "
            "{known}.")
    E106 = ("types '{first}' and '{second}' have identical definitions. Fix: make them differ in at "
            "least one dimension, or merge them.")
    E107 = ("dimension '{dimension}' value '{value}': evidence names code '{code}', which the "
            "codebook {codebook} does not define. Fix: use a code id from that codebook.")
    E108 = "{what} '{item}': '{key}' must be {expected}. Fix: {fix}"
    E109 = "type '{type}' gives no value for dimension '{dimension}'. Fix: add '{dimension}: ...' to its cells."
    E110 = ("unknown {what} '{value}' in {where}. Fix: use one of {known}.")
    E111 = "no typology was given, so the cases were not typed. Fix: pass --typology FILE."
    # options
    E050 = "unknown segmentation unit '{unit}'. Fix: use one of {known}."
    E051 = "--max-words must be a positive number, not {value}. Fix: pass e.g. --max-words 120."
    E052 = ("--topic needs --topics segment_topics.csv (written by 'qualkit topics'). Fix: run "
            "'qualkit topics' first and pass its segment_topics.csv.")
    E053 = "--n-topics must be a number or 'auto', not {value}. Fix: e.g. --n-topics 12"
    E054 = ("give either --pred coded.csv or --cv N. Fix: 'qualkit evaluate --gold gold.csv --pred "
            "coded.csv', or '--cv 5' to cross-validate on the gold itself")
    # interchange (REFI-QDA: NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette)
    E120 = ("not a REFI-QDA project ({reason}). Fix: export the project again from your QDA software "
            "as a REFI-QDA project (.qdpx), or pass the project.qde inside it.")
    E121 = ("the archive holds no project.qde (it holds: {members}). Fix: export the project again as "
            "a REFI-QDA project (.qdpx); a .zip of other files is not one.")
    E122 = ("the XML is malformed ({problem}). Fix: export the file again from your QDA software; if "
            "it was edited by hand, check the tags at this line.")
    E123 = ("the {what} does not follow the REFI-QDA schema ({problem}). Fix: export it again from "
            "your QDA software, or correct the element at this line.")
    E124 = "the root element is <{found}>, not a REFI-QDA {expected}. Fix: {fix}"
    E125 = ("unknown format '{suffix}'. Fix: pass a REFI-QDA project (.qdpx, or its project.qde); "
            "for a codebook (.qdc) use 'qualkit import-qdc'.")
    E126 = ("skipped {count} {kind} source(s) ({names}): qualkit imports text sources only. Fix: "
            "add a text transcript of them in your QDA software and export again, or analyse them "
            "there.")
    E127 = ("text source '{source}': its text ({where}) is not in the {container}. Fix: export the "
            "project as .qdpx with its sources, or put the text file beside the project.qde.")
    E128 = ("text source '{source}' holds no text; skipped. Fix: check the source in your QDA "
            "software, or remove it from the project.")
    E129 = ("text source '{source}': the text file is not UTF-8 ({reason}). Fix: export the project "
            "again; REFI-QDA text files are UTF-8.")
    E130 = ("{count} coded selection(s) of '{source}' ({first}) lie outside its {length} characters "
            "or are empty; skipped. Fix: export the project again: its selections and text disagree.")
    E131 = ("{count} coding(s) name codes missing from the codebook ({guids}); skipped. Fix: export "
            "the project again with its whole codebook.")
    E132 = ("{count} coded selection(s) of '{source}' lie only on interviewer turns, speaker labels or "
            "text before the first speaker label, which qualkit does not segment; not imported. Fix: "
            "import with --all-speakers to keep codings of interviewer turns.")
    E133 = ("skipped {count} {what} ({names}): qualkit has no place for them. Fix: nothing to do if "
            "you do not need them in qualkit; they stay in your QDA project.")
    E134 = ("ignored an empty <{tag}>, which the schema does not allow ({origin} writes one). Fix: "
            "nothing to do; the rest of the file was read.")
    E135 = "the project has no {what} to export. Fix: {fix}"
    E136 = ("{count} coding(s) use codes no stored codebook defines ({codes}); exported with a "
            "placeholder description. Fix: store the codebook that defines them ('qualkit code "
            "--project'), then export again.")
    E137 = ("text source '{source}' belongs to {count} cases ({cases}); imported under '{first}'. "
            "Fix: give each source one case in your QDA software if another case was meant.")
    E138 = "the file is a {found}, not a {expected}. Fix: {fix}"
    E141 = ("not a regular file ({kind}). Fix: name a transcript file; qualkit reads no pipes, "
            "devices or sockets.")
    E142 = ("cannot write here ({reason}). Fix: name a regular file or folder you may write, on a "
            "disk with space, e.g. --out out/study.")
    E143 = ("the output folder {out} is, or is inside, the input {input}: the copies would replace "
            "or be mixed with the originals. Fix: pass --out a folder outside the inputs, e.g. "
            "--out anonymised.")
    E144 = ("the project database is damaged ({reason}). Fix: restore it from a backup; or save "
            "what is intact with 'sqlite3 THIS_FILE .recover | sqlite3 recovered.qualkit' and "
            "import the transcripts again into a new project.")
    E145 = ("the project database is busy: another qualkit command is writing to it. Fix: wait "
            "for that command to finish, then run this one again.")
    E140 = ("not run: it needs what the {stage} stage makes, and that stage was skipped ({reason}). "
            "Fix: fix what stopped the {stage} stage, then run again.")
    E139 = ("no cache folder can be written (tried QUALKIT_CACHE_DIR or ~/.cache/qualkit, and "
            "{path}). Fix: set QUALKIT_CACHE_DIR to a folder you can write.")
    # hostile archives (REFI-QDA projects and .docx)
    E150 = ("text source '{source}' points at '{where}', a file outside the archive; not read, as "
            "a project may name only files inside itself. Fix: pass --sources-dir with the folder "
            "that holds the project's source files (sources_dir= in Python), or export the project "
            "again with its sources inside (.qdpx).")
    E151 = ("text source '{source}': '{where}' leads outside the folder {folder} ({reason}); not "
            "read. Fix: put the source file itself in that folder, not a link to a file elsewhere.")
    E152 = ("{member} is {size} uncompressed, over the limit of {limit} for one file of an "
            "archive or its sources folder; not read, so that a decompression bomb cannot exhaust "
            "memory. Fix: {fix}")
    E153 = ("{member} is compressed {ratio}:1 ({packed} inflating to {size}), beyond the {limit}:1 "
            "real documents stay under; not read, as it looks like a decompression bomb. Fix: {fix}")
    E154 = ("the files read from the archive (or its sources folder) would be over {limit} in all, "
            "uncompressed (stopped at {member}); not read, so that a decompression bomb cannot "
            "exhaust memory. Fix: {fix}")
    E155 = ("{member} inflates to more than the {size} its header declares; not read: the archive "
            "is damaged or forged. Fix: {fix}")
    E156 = ("{what} GUID {guid} is used twice ('{first}' and '{second}'), so what refers to it "
            "could land on the wrong one; not imported. Fix: give each {what} its own GUID (export "
            "the file again from your QDA software).")
    # codebooks and typologies that would take hours to read or match (denial of service)
    E160 = ("the file is over {limit}, and codebooks and typologies are kilobytes (the SPIP Plus "
            "codebook is 130 KB); not read, as one this large would take minutes. Fix: check that "
            "the path names the codebook or typology you meant.")
    E161 = ("the YAML nests more than {limit} levels deep here; a codebook or typology needs fewer "
            "than 10, and deeper nesting is refused rather than read. Fix: close the brackets or "
            "undo the indentation at this line; write each code as one '- id: ...' entry.")
    E162 = ("code '{code}' has a REGEX pattern '{pattern}' that could run for hours: {problem}. "
            "Fix: {fix}")
    E163 = ("code '{code}' sits {depth} levels below its theme '{theme}', over the {limit} levels "
            "allowed. Fix: give it a 'parent' nearer the theme; a codebook's tree needs a few "
            "levels, not {depth}.")
    # bootstrap intervals of agreement figures (qualkit evaluate)
    E190 = ("--bootstrap {value} is too few resamples for a {level} interval: its ends would rest "
            "on two or three draws. Fix: give at least {least} (the default, 1000, is better), or "
            "--bootstrap 0 to leave the intervals out.")
    E191 = ("{code}: no interval for {figures}, as fewer than {share} of the {resamples} "
            "resamples could give one (usable: {usable}; {why}). Fix: nothing is miscounted; score "
            "a gold set with more segments given (and not given) this code to get one.")
    # near misses: negative examples that name the code they are confused with (codebooks)
    E195 = ("code '{code}': negative example {position} ({entry}) is neither a text nor a near "
            "miss. Fix: write it as '- \"...\"', or as '- {{text: \"...\", confused_with: "
            "other_code_id}}' with exactly those two keys.")
    E196 = ("code '{code}': the near miss '{text}' is confused_with '{other}', which is not a code "
            "of this codebook. Fix: {fix}")
    E197 = ("code '{code}': the near miss '{text}' is confused_with '{other}', {relation}, so the "
            "text would be this code and not this code at once. Fix: name a code outside "
            "'{code}' and its sub-codes, or write the example as a plain text.")


class Warnings(metaclass=WithCodes):
    """Notes the commands print that are not errors: nothing failed, but the user should know."""

    W001 = ("--no-privacy-check: this export was not checked for names, places or contact "
            "details.")
    W002 = "the audit in {audit} holds personal data: keep it apart from the anonymised copies"
    W003 = "{stage}: {state}"
    W004 = "skipped {stage}: {reason}"
    W005 = "privacy check: {count} personal detail(s) redacted"
    W006 = "{count} code(s) have no description: write their definitions"
    W010 = ("privacy check: {count} case id(s), file name(s) or speaker label(s) held a personal "
            "detail and were exported as pseudonyms; the mapping is in {audit}: keep it apart "
            "from the outputs")


class QualkitError(Exception):
    """A problem with the user's input, reported as one line: where, what, and the fix."""

    def __init__(self, template: str, *, path: str | Path | None = None, line: int | None = None,
                 **details: object) -> None:
        self.code = getattr(template, "code", None) or next(
            (entry.code for entry in Errors if entry == template), "E000")
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = template.format(**details)
        super().__init__(str(self))

    def located(self, path: str | Path) -> "QualkitError":
        """Return the error with a file name filled in, for errors raised below the file level."""
        if self.path is None:
            self.path = str(path)
            self.args = (str(self),)
        return self

    def __str__(self) -> str:
        where = self.path or "input"
        if self.line is not None:
            where += f", line {self.line}"
        return f"{where}: {self.message} [{self.code}]"
