"""Build a dataset's manifest and list the files left out (rule manifest)."""

from audio_umaps import manifest, runlog, tables

log = runlog.start(snakemake.log[0])
table, excluded = manifest.build_manifest(
    snakemake.wildcards.dataset,
    snakemake.params.entry,
    snakemake.params.audio["min_duration"],
    snakemake.params.audio["channels"],
)
for row in excluded.itertuples():
    log.warning("%s %s: %s", row.outcome, row.path, row.reason)
if table.empty:
    log.warning(
        "dataset '%s': no usable audio file under %s (%d left out, see %s); its scopes get empty results that say so",
        snakemake.wildcards.dataset,
        snakemake.params.entry["root"],
        len(excluded),
        snakemake.output.excluded,
    )
elif table["edition"].iloc[0]:
    log.info("read as DCASE %s names", table["edition"].iloc[0])
tables.write("manifest", table, snakemake.output.manifest)
tables.write("excluded", excluded, snakemake.output.excluded)
log.info("%d files in the manifest, %d listed in the exclusion table", len(table), len(excluded))
