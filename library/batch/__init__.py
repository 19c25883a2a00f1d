"""Analyse files in batch, outside the web app: one process, or a Ray cluster for thousands of files.

    inputs = collect([Path("answers/")], manifests=[Path("manifest.csv")])
    summary = run_batch(inputs, BatchConfig(engine="ray", out=Path("results"), store_url=None))

One job per module: ``inputs`` (files, folders by content, manifest CSVs), ``analyse`` (one file's
figures, by content type), ``loaders`` (the models, loaded once per process or actor), ``task`` (one
file -> one row, the path both engines share), ``rows`` (the flat columns), ``engine_local`` and
``engine_ray``, ``output`` (Parquet + CSV as it goes, resume by content hash), ``store`` (the history
database, once per file), ``progress`` (bar and summary) and ``run`` (all of it together).
"""

from library.batch.analyse import KINDS, analyse_bytes, analyse_file, detect_kind, format_table, summary
from library.batch.inputs import Inputs, Item, ManifestError, collect
from library.batch.loaders import Engines
from library.batch.run import ENGINES, BatchConfig, run_batch

__all__ = ["ENGINES", "KINDS", "BatchConfig", "Engines", "Inputs", "Item", "ManifestError", "analyse_bytes",
           "analyse_file", "collect", "detect_kind", "format_table", "run_batch", "summary"]
