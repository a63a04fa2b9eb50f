"""Gather every file left out of one dataset (rule excluded_report)."""

from audio_umaps import manifest, runlog, tables

log = runlog.start(snakemake.log[0])
report = manifest.exclusion_report([snakemake.input.manifest, *snakemake.input.features])
tables.write("excluded", report, snakemake.output[0])
log.info("%d files left out of %s", len(report), snakemake.wildcards.dataset)
