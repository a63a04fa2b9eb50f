"""List every map of the run that was skipped, and why (rule skipped_report)."""
from audio_umaps import runlog, status

log = runlog.start(snakemake.log[0])
table = status.skipped_table(snakemake.input)
table.to_csv(snakemake.output[0], sep="\t", index=False)
log.info("%d of %d maps skipped%s", len(table), len(snakemake.input),
         ":\n" + table.to_string(index=False) if len(table) else "")
