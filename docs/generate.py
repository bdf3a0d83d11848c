"""Refresh the option tables of docs/commands/*.md from the commands themselves.

    python docs/generate.py           # rewrite every table between its markers
    python docs/generate.py --check   # exit 1 if a table is out of date (nothing written)

A page marks where a command's table goes with

    <!-- options: begin export qdc -->
    <!-- options: end -->

and this script fills in one row per option, from the option's own help text, so that a page
never lists an option the command lacks or misses one it has. The prose around the tables is
written by hand. ``tests/test_docs.py`` checks that every command has a page and that the page
names each of its options.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

DOCS = Path(__file__).resolve().parent
PAGES = DOCS / "commands"
BLOCK = re.compile(r"(<!-- options: begin (?P<command>[a-z][a-z -]*?) -->\n)(?P<body>.*?)"
                   r"(<!-- options: end -->)", re.S)


def walk(group: click.Group, prefix: tuple[str, ...] = ()):
    """(path, command) for every command and subcommand under ``group``, depth first."""
    for name in sorted(group.commands):
        command = group.commands[name]
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from walk(command, (*prefix, name))


def long_options(command: click.Command) -> list[str]:
    """Every ``--long`` option of ``command`` but ``--help``."""
    return [opt for param in command.params if isinstance(param, click.Option)
            for opt in (*param.opts, *param.secondary_opts)
            if opt.startswith("--") and opt != "--help"]


def page_for(path: tuple[str, ...]) -> Path:
    """The page of a command: a subcommand is documented on its top-level command's page."""
    return PAGES / f"{path[0]}.md"


# What the tables say of an option whose own help text is empty ("command --option" wins over
# "--option"); the commands' --help is left as it is.
UNHELPED = {
    "--out": "Where the output goes.",
    "--codebook": "qualkit codebook (YAML).",
    "--typology": "Typology (YAML).",
    "--project": "Project database.",
    "--cases": "Case sheet (.csv/.xlsx): first column the case id.",
    "--names": "Known names to catch, one per line.",
    "--policy": "Privacy policy YAML (allow, names, kinds).",
    "--unit": "Segment unit: a respondent turn, a sentence, or a paragraph.",
    "--max-words": "With --unit turn: longest segment before a turn is cut.",
    "--gold": "Human-coded sheet: the gold standard.",
    "--seed": "Random seed of UMAP: same input and seed, same topics.",
    "quotes --per-group": "Quotes per group (code, type or topic).",
    "quotes --max-words": "Longest quote, in words.",
    "agree --out": "Also write the table as .csv.",
    "anonymise --out": "Folder for the anonymised copies.",
    "topics --out": "Folder for the topic tables and plots.",
    "report --out": "Folder for report.docx, report.md and quotes.xlsx.",
    "quotes --out": "Where the quotes go (.csv).",
    "export qdc --out": "Where the REFI-QDA codebook goes.",
    "export qdpx --out": "Where the REFI-QDA project goes.",
    "import-qdc --out": "Where the qualkit codebook goes.",
    "export qdpx --project": "Project database to export.",
    "export csv --project": "Project database to export.",
    "export xlsx --project": "Project database to export.",
    "info --project": "Project database to summarise.",
}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def option_table(command: click.Command, path: str) -> str:
    """A markdown table: option, what it does, default."""
    context = click.Context(command, info_name=command.name)
    rows = ["| option | what it does | default |", "| --- | --- | --- |"]
    for param in command.params:
        if not isinstance(param, click.Option) or "--help" in param.opts:
            continue
        name = ", ".join(f"`{opt}`" for opt in (*param.opts, *param.secondary_opts))
        if not param.is_flag:
            name += f" `{param.make_metavar(context)}`"
        if param.multiple:
            name += " (repeatable)"
        if param.required:
            default = "required"
        elif param.is_flag:
            default = "off"
        elif isinstance(param.show_default, str):
            default = f"`{param.show_default}`"
        elif param.default is not None and param.show_default:
            default = f"`{param.default}`"
        else:
            default = ""
        describe = getattr(param.type, "_describe_range", None)  # click's own "1<=x<=100"
        if isinstance(param.type, click.IntRange) and describe is not None:
            default = f"{default}; {describe()}" if default else describe()
        described = param.help or UNHELPED.get(f"{path} {param.opts[0]}") or UNHELPED.get(
            param.opts[0], "")
        rows.append(f"| {_cell(name)} | {_cell(described)} | {_cell(default)} |")
    return "\n".join(rows) + "\n"


def refreshed(text: str, commands: dict[str, click.Command]) -> str:
    def fill(match: re.Match) -> str:
        command = commands.get(match["command"])
        if command is None:
            raise SystemExit(f"docs: a table names '{match['command']}', which is no command")
        return match.group(1) + option_table(command, match["command"]) + match.group(4)

    return BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    from qualkit.cli import main as qualkit

    commands = {" ".join(path): command for path, command in walk(qualkit)}
    stale = []
    for page in sorted(PAGES.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        new = refreshed(text, commands)
        if new != text:
            stale.append(page)
            if "--check" not in argv:
                page.write_text(new, encoding="utf-8")
    for page in stale:
        print(f"{'out of date' if '--check' in argv else 'refreshed'}: {page.relative_to(DOCS.parent)}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
