"""Build a dataset's manifest and list the files left out (rule manifest)."""
from audio_umaps import manifest, runlog

log = runlog.start(snakemake.log[0])
table, excluded = manifest.build_manifest(
    snakemake.wildcards.dataset, snakemake.params.entry, snakemake.params.min_duration
)
for row in excluded.itertuples():
    log.warning("left out %s: %s", row.path, row.reason)
if table.empty:
    raise ValueError(
        f"dataset '{snakemake.wildcards.dataset}': no usable audio file under "
        f"{snakemake.params.entry['root']} ({len(excluded)} left out, see {snakemake.output.excluded})"
    )
table.to_csv(snakemake.output.manifest, sep="\t", index=False)
excluded.to_csv(snakemake.output.excluded, sep="\t", index=False)
log.info("%d files in the manifest, %d left out", len(table), len(excluded))
