"""SEP, DSUP and official DCASE scores of one representation x stack x device (rule metrics)."""
import pandas as pd

from audio_umaps import metrics, runlog, tables

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
manifest = pd.concat([tables.read_tsv(p) for p in snakemake.input.manifests], ignore_index=True)
embedding, skipped = tables.read_map(snakemake.input.umap, snakemake.input.status, log)
if skipped:
    log.warning("no UMAP of %s at stack %s (%s): only the original space is measured", w.scope, w.stack, skipped)
systems = {s: pd.read_csv(p, sep="\t", dtype={"section": str}, keep_default_na=False, na_values={"score": [""], "decision": [""]})
           for s, p in snakemake.params.predictions.items()}  # {system: its file scores}, declared as input
rows, files, points = metrics.measure_device(
    manifest, snakemake.params.stores, int(w.stack), metrics.Settings.from_config(snakemake.params.settings),
    embedding=None if skipped else embedding, threads=snakemake.threads, sections=snakemake.params.sections)
rows = metrics.tidy(rows, representation=w.representation, stack=int(w.stack), device=w.scope)
files, points = metrics.join_predictions(files, points, systems)
rows.to_csv(snakemake.output.table, sep="\t", index=False)
files.to_csv(snakemake.output.files, sep="\t", index=False)
(points if points is not None else pd.DataFrame(columns=["point"])).to_csv(snakemake.output.points, sep="\t", index=False)
device = rows[(rows["section"] == metrics.ALL) & (rows["level"] != "official")]
log.info("%d numbers; device rows:\n%s", len(rows),
         device[["space", "method", "level", "measure", "value"]].to_string(index=False))
