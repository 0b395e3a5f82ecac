"""`formleak batch` and `formleak report`: many sites, each scanned alone, into one table of rows.

Stages, one module each:

    sites.py     INPUT (a folder of site folders, or a list file) → SiteSpec(site id, path, input hash)
    scan_site.py one site → SiteOutcome (its rows): a pure function of the site's files and the options
    isolate.py   run scan_site in the worker's scan process with a per-site time budget and memory limit
    plugin.py    the Dask worker plugin that owns a worker's scan process
    rows.py      the row schema (kind "finding" / kind "site"), part files (Parquet or JSONL), consolidation
    manifest.py  the resumable manifest (site id, input hash, formleak version) and the output-folder lock
    runner.py    the Dask driver: cluster, submission, retries, progress bar, summary
    report.py    `formleak report`: study-style tables, CSV files and one self-contained HTML page
    cli.py       the two sub-commands' arguments (registered by analyzer/cli.py)

Dask (`pip install 'formleak[batch]'`) is imported only by runner.py and plugin.py, when a batch runs.
"""
