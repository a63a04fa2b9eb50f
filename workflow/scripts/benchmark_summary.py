"""Summarise the run's benchmarks per rule, as a table and a chart (rule benchmark_summary)."""

from audio_umaps import jobstats, runlog, tables

log = runlog.start(snakemake.log[0])
files = {rule: list(snakemake.input[rule]) for rule in snakemake.input.keys()}
summary = jobstats.summarise(files)
tables.write("benchmarks", summary, snakemake.output.table)
jobstats.save_chart(summary, snakemake.output.chart)
log.info("%d jobs of %d rules:\n%s", summary["jobs"].sum(), len(summary), summary.to_string(index=False))
