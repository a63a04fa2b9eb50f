"""Read the precomputed embeddings of one part of a dataset into a zarr store (rule
features_embeddings)."""

from audio_umaps import features, runlog, tables

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
table = tables.read("manifest", snakemake.input.manifest)
rows = table.loc[table["part"] == w.part, ["dataset", "path", "relpath", "duration"]]
log.info("%s: embeddings %s of part %s, %d files", w.dataset, w.representation, w.part, len(rows))
result = features.import_embeddings(
    rows,
    w.representation,
    snakemake.params.params,
    snakemake.output.stores,
    sample_rate=snakemake.params.audio["sample_rate"],
    normalisation=snakemake.params.audio["normalisation"],
    channels=snakemake.params.audio["channels"],
    attrs={"dataset": w.dataset, "part": w.part},
)
tables.write("excluded", result.excluded_table(w.dataset), snakemake.output.excluded)
log.info("%d files, %d frames, %d left out", len(result.files), result.frames, len(result.excluded))
