"""Compute representations of one part of a dataset into zarr stores, one per representation
(rules features, features_l3 and features_onnx)."""

from audio_umaps import features, runlog, tables


def as_list(paths):
    return [paths] if isinstance(paths, str) else list(paths)


log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
names = snakemake.params.representations
stores = as_list(snakemake.output.stores)
table = tables.read("manifest", snakemake.input.manifest)
paths = table.loc[table["part"] == w.part, "path"].tolist()
log.info("%s: %s of part %s, %d files, %d threads", w.dataset, ", ".join(names), w.part, len(paths), snakemake.threads)
result = features.extract_many(
    paths,
    {name: (snakemake.params.params[name], store) for name, store in zip(names, stores, strict=True)},
    sample_rate=snakemake.params.audio["sample_rate"],
    normalisation=snakemake.params.audio["normalisation"],
    channels=snakemake.params.audio["channels"],
    attrs={"dataset": w.dataset, "part": w.part},
    threads=snakemake.threads,
)
excluded = result.excluded_table(w.dataset)
for path in as_list(snakemake.output.excluded):
    tables.write("excluded", excluded, path)
log.info("%d files, %d frames, %d left out", len(result.files), result.frames, len(result.excluded))
