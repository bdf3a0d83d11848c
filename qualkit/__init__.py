"""qualkit: qualitative interview analysis that is scriptable, reproducible and honest.

The public API, for notebooks and scripts; the ``qualkit`` command is a thin layer over it.
"""

from .errors import Errors, QualkitError
from .importers import TableOptions, read_file
from .ingest import ImportReport, import_paths, read_cases_sheet
from .models import Case, Segment, Transcript, Turn
from .segment import Segmenter, segment
from .store import Project

__version__ = "0.1.0"

__all__ = ["Case", "Errors", "ImportReport", "Project", "QualkitError", "Segment", "Segmenter",
           "TableOptions", "Transcript", "Turn", "import_paths", "read_cases_sheet", "read_file",
           "segment", "__version__"]
