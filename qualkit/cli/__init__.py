"""The ``qualkit`` command: a thin layer over the library, one subcommand per stage.

Commands print one line per problem (never a traceback for bad input) and exit non-zero when any
input failed, after everything that could be done was done (:class:`ExitCode`).

One module per command group: :mod:`.importing` (import, info), :mod:`.privacy` (check-anonymity,
anonymise), :mod:`.coding` (code, evaluate, agree), :mod:`.topics`, :mod:`.typology` (typology,
quotes, report), :mod:`.run` and :mod:`.interchange` (export, import-qdc, import-qdpx); the options
they share are declared once in :mod:`.options`, and what they print comes from :mod:`.output`.
"""

from __future__ import annotations

import click

from . import coding, importing, interchange, privacy, run, topics, typology
from .output import ExitCode, exit_on_error


class _Commands(click.Group):
    """The safety net under every command: a :class:`QualkitError` that a command did not turn
    into its own exit status (an output that cannot be written, say) is still one line and a
    non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context):
        with exit_on_error(ExitCode.USAGE):
            return super().invoke(ctx)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qualkit-interviews")
def main() -> None:
    """qualkit: qualitative interview analysis, scriptable and reproducible."""
    from ..cache import user_cache_dir
    from ..tuning import enable

    enable(user_cache_dir())  # the command owns its process: see qualkit.tuning


for _command in (importing.import_command, importing.info_command,
                 privacy.check_anonymity_command, privacy.anonymise_command,
                 coding.code_command, coding.evaluate_command, coding.agree_command,
                 topics.topics_command,
                 typology.typology_command, typology.quotes_command, typology.report_command,
                 run.run_command,
                 interchange.export_group, interchange.import_qdpx_command,
                 interchange.import_qdc_command):
    main.add_command(_command)

__all__ = ["ExitCode", "main"]
