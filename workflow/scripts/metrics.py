"""SEP, DSUP and official DCASE scores of one representation x stack x device (rule metrics)."""

from audio_umaps import metrics, runlog, tables

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
manifest = tables.read_many("manifest", snakemake.input.manifests)
embedding, skipped = tables.read_map(snakemake.input.umap, snakemake.input.status, log)
if skipped:
    log.warning("no UMAP of %s at stack %s (%s): only the original space is measured", w.scope, w.stack, skipped)
systems = {
    s: tables.read("prediction_files", p) for s, p in snakemake.params.predictions.items()
}  # {system: its file scores}, declared as input
rows, files, points = metrics.measure_device(
    manifest,
    snakemake.params.stores,
    int(w.stack),
    metrics.Settings.from_config(snakemake.params.settings),
    embedding=None if skipped else embedding,
    threads=snakemake.threads,
    sections=snakemake.params.sections,
    windowing=snakemake.params.windowing,
)
rows = metrics.tidy(
    rows, representation=w.representation, stack=int(w.stack), device=w.scope, windowing=snakemake.params.windowing
)
files, points = metrics.join_predictions(files, points, systems)
tables.write("metrics", rows, snakemake.output.table)
tables.write("metric_files", files, snakemake.output.files)
tables.write("points", points if points is not None else tables.empty("points"), snakemake.output.points)
device = rows[(rows["section"] == metrics.ALL) & (rows["level"] != "official")]
log.info(
    "%d numbers; device rows:\n%s",
    len(rows),
    device[["space", "method", "level", "measure", "value"]].to_string(index=False),
)
