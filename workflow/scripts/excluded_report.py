"""Gather every file left out of one dataset (rule excluded_report)."""
import pandas as pd

from audio_umaps import runlog, tables

log = runlog.start(snakemake.log[0])
tables = [tables.read_tsv(path) for path in [snakemake.input.manifest, *snakemake.input.features]]
report = pd.concat(tables, ignore_index=True).drop_duplicates(["path", "stage"])
report.to_csv(snakemake.output[0], sep="\t", index=False)
log.info("%d files left out of %s", len(report), snakemake.wildcards.dataset)
