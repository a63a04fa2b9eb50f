"""List every map of the run that was skipped, and every section of a DCASE dataset whose
files were all left out, and why (rule skipped_report)."""

from audio_umaps import runlog, status, tables

log = runlog.start(snakemake.log[0])
p = snakemake.params
sections = status.read_empty_sections(p.sections, snakemake.input.manifests, snakemake.input.excluded)
table = status.skipped_table(snakemake.input.statuses, sections, p.device_names)
tables.write("skipped", table, snakemake.output[0])
maps = len(table) - len(sections)
log.info(
    "%d of %d maps skipped, %d section(s) without usable audio%s",
    maps,
    len(snakemake.input.statuses),
    len(sections),
    ":\n" + table.to_string(index=False) if len(table) else "",
)
