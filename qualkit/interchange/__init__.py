"""Interchange with NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette through REFI-QDA, and sheets.

REFI-QDA (www.qdasoftware.org) is the exchange standard those tools share: a codebook file (.qdc)
and a project archive (.qdpx: project.qde plus the sources). A study rarely lives in one tool:
a team codes some interviews by hand in NVivo, lets qualkit suggest codes for the rest, and wants
both in one place. So:

    export_qdc(load_codebook("codebooks/spip_plus.yaml"), "codebook.qdc")
    import_qdc("from_atlas.qdc", "codebooks/from_atlas.yaml")     # a YAML load_codebook reads
    export_qdpx(project, "study.qdpx", gate)                     # codes, texts, codings, cases
    result = import_qdpx("from_nvivo.qdpx", project)             # result.codebook, result.report
    import_qdpx("p.qdpx", project, sources_dir="texts")          # relative:// sources read from here
    read_project("from_nvivo.qdpx")                              # look inside without importing
    export_sheet(project, "codings.csv", "codings", gate)        # or "cases" (classification sheet)
"""

from .qdc import export_qdc, import_qdc, read_qdc
from .qdpx_export import QdpxExport, export_qdpx
from .qdpx_import import QdpxImport, import_qdpx
from .qdpx_read import RefiProject, read_project
from .sheets import export_sheet

__all__ = ["QdpxExport", "QdpxImport", "RefiProject", "export_qdc", "export_qdpx", "export_sheet",
           "import_qdc", "import_qdpx", "read_project", "read_qdc"]
