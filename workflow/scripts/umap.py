"""Fit a 2-D UMAP to one sample (rule umap). Not named umap.py, which would shadow umap-learn.
A sample that is empty or too small for UMAP gives an empty table and a status saying why."""

from audio_umaps import runlog, status, tables, umap

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
try:
    umap.backend(snakemake.params.umap)
except ValueError as exc:  # umap.backend cuml on a machine without cuML or a GPU: say so, once
    log.error("%s", exc)
    raise SystemExit(1) from None
sample = tables.read("sample", snakemake.input.sample)
before = status.read(snakemake.input.status)
tables.warn_flagged(log, sample)
facts = dict(
    scope=w.scope,
    representation=w.representation,
    stack=int(w.stack),
    windowing=snakemake.params.windowing,
    umap_seed=snakemake.params.umap.get("seed"),
)
skipped = before["skipped"] or umap.too_small(len(sample), snakemake.params.umap)
if skipped:
    log.warning("no UMAP for scope %s at stack %s: %s", w.scope, w.stack, skipped)
    tables.write("map", umap.empty_embedding(sample), snakemake.output.umap)
    status.write(snakemake.output.status, windows=len(sample), skipped=skipped, **facts)
else:
    graph = {}  # the neighbour graph's engine and recall, for the status
    result = umap.embed(
        sample,
        snakemake.params.umap,
        threads=snakemake.threads,
        stores=snakemake.input.stores,
        pca=snakemake.params.pca,
        search=snakemake.params.search,
        report=graph,
        windowing=snakemake.params.windowing,
    )
    tables.write("map", result, snakemake.output.umap)
    status.write(snakemake.output.status, windows=len(result), neighbours=graph or None, **facts)
    log.info("embedded %d windows", len(result))
