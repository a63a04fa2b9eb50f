"""Compute one representation for one part of a dataset into a zarr store (rule features)."""
import pandas as pd

from audio_umaps import features, runlog, tables

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
representation = snakemake.params.representation
table = tables.read_tsv(snakemake.input.manifest)
paths = table.loc[table["part"] == w.part, "path"].tolist()
log.info("%s: %s of part %s, %d files", w.dataset, representation, w.part, len(paths))
result = features.extract(
    paths,
    representation,
    snakemake.params.params,
    snakemake.output.store,
    sample_rate=snakemake.params.audio["sample_rate"],
    normalisation=snakemake.params.audio["normalisation"],
    channels=snakemake.params.audio["channels"],
    attrs={"dataset": w.dataset, "part": w.part},
    threads=snakemake.threads,
)
pd.DataFrame(
    [(w.dataset, path, "features", reason, tables.LEFT_OUT) for path, reason in result.excluded],
    columns=tables.EXCLUDED_COLUMNS,
).to_csv(snakemake.output.excluded, sep="\t", index=False)
log.info("%d files, %d frames, %d left out", len(result.files), result.frames, len(result.excluded))
