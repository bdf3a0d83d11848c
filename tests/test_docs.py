"""The user documentation keeps up with the commands: every command and subcommand has its page in
docs/commands/, the page names every long option of it, and README.md and docs/README.md link every
page. Adding a command or an option without documenting it fails here."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click

from qualkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _generate():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _generate()


def section(text: str, heading: str) -> str | None:
    """The text under the markdown heading ``heading`` (any level), up to the next heading of the
    same or a higher level; None when there is no such heading."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        found = re.match(r"(#+)\s+`?(.*?)`?\s*$", line)
        if found and found[2] == heading:
            level = len(found[1])
            end = next((i for i in range(start + 1, len(lines))
                        if re.match(rf"#{{1,{level}}}\s", lines[i])), len(lines))
            return "\n".join(lines[start:end])
    return None


def mentions(text: str, option: str) -> bool:
    """``--max-words`` is named, and not only as the start of a longer option (``--max-words-x``)."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def missing_docs(group: click.Group, pages: Path, readme: Path, index: Path) -> list[str]:
    """Every way the docs fall short of the commands of ``group``, one line each."""
    problems = []
    readme_text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    index_text = index.read_text(encoding="utf-8") if index.exists() else ""
    for path, command in generate.walk(group):
        name = " ".join(path)
        page = pages / f"{path[0]}.md"
        if not page.exists():
            problems.append(f"'qualkit {name}' has no page {page.name}")
            continue
        text = page.read_text(encoding="utf-8")
        if len(path) > 1:  # a subcommand: its own section of its group's page
            text = section(text, f"qualkit {name}")
            if text is None:
                problems.append(f"{page.name} has no section '## qualkit {name}'")
                continue
        for option in generate.long_options(command):
            if not mentions(text, option):
                problems.append(f"{page.name}: 'qualkit {name}' option {option} is not documented")
        if len(path) == 1:
            link = f"docs/commands/{page.name}"
            if f"({link})" not in readme_text:
                problems.append(f"README.md does not link {link}")
            if f"(commands/{page.name})" not in index_text:
                problems.append(f"docs/README.md does not link commands/{page.name}")
    return problems


def test_every_command_and_option_is_documented():
    problems = missing_docs(main, DOCS / "commands", ROOT / "README.md", DOCS / "README.md")
    assert not problems, "\n".join(problems)


def test_no_page_documents_a_command_that_does_not_exist():
    commands = set(main.commands)
    orphans = [page.name for page in (DOCS / "commands").glob("*.md") if page.stem not in commands]
    assert not orphans, f"pages for no command: {orphans}"


def test_the_option_tables_are_up_to_date():
    """The tables between '<!-- options: ... -->' markers are what 'python docs/generate.py' writes."""
    commands = {" ".join(path): command for path, command in generate.walk(main)}
    stale = [page.name for page in sorted((DOCS / "commands").glob("*.md"))
             if generate.refreshed(page.read_text(encoding="utf-8"), commands)
             != page.read_text(encoding="utf-8")]
    assert not stale, f"run 'python docs/generate.py': out of date: {stale}"


def test_links_between_the_docs_lead_somewhere():
    broken = []
    for page in [ROOT / "README.md", ROOT / "bench" / "README.md", *DOCS.rglob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:", target) and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, "\n".join(broken)


def test_an_undocumented_command_or_option_is_caught(tmp_path):
    """The check itself: a new command, a new option and a new subcommand each fail it."""
    @click.group()
    def cli():
        """A stand-in for qualkit."""

    @cli.command("tally")
    @click.option("--max-words", type=int)
    @click.option("--per-group", type=int)
    def tally(max_words, per_group):
        """Count."""

    @cli.group("send")
    def send():
        """Send."""

    @send.command("mail")
    @click.option("--to")
    def mail(to):
        """Mail."""

    pages = tmp_path / "commands"
    pages.mkdir()
    readme, index = tmp_path / "README.md", tmp_path / "index.md"
    (pages / "tally.md").write_text("# qualkit tally\n\n`--max-words-total` is not --max-words.\n"
                                    "`--max-words` N\n", encoding="utf-8")
    (pages / "send.md").write_text("# qualkit send\n\n## qualkit send other\n\n`--to`\n",
                                   encoding="utf-8")
    readme.write_text("[tally](docs/commands/tally.md) [send](docs/commands/send.md)",
                      encoding="utf-8")
    index.write_text("[tally](commands/tally.md) [send](commands/send.md)", encoding="utf-8")
    assert missing_docs(cli, pages, readme, index) == [
        "send.md has no section '## qualkit send mail'",
        "tally.md: 'qualkit tally' option --per-group is not documented",
    ]

    (pages / "send.md").write_text("# qualkit send\n\n## qualkit send mail\n\nUse `--to`.\n",
                                   encoding="utf-8")
    (pages / "tally.md").unlink()
    assert missing_docs(cli, pages, readme, index) == ["'qualkit tally' has no page tally.md"]
