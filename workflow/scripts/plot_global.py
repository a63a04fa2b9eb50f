"""Draw the global plot of one embedding (rule plot_global): a dual plot of every device (normal
test windows left, anomalous right), training and external data as shadows; in a run without
DCASE data, every folder dataset in its own colour."""

from audio_umaps import plots, runlog, tables

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
emb, skipped = tables.read_map(snakemake.input.umap, snakemake.input.status, log)
title = plots.title(p.subject, w.representation, w.stack, emb, windowing=p.windowing)
if p.folder_only:
    figure = lambda: plots.folder_figure(emb, p.style, by="dataset", colours=p.colours, title=title)  # noqa: E731
else:
    figure = lambda: plots.global_figure(emb, p.style, colours=p.colours, title=title)  # noqa: E731
plots.write_map(snakemake.output[0], emb, title=title, style=p.style, skipped=skipped, figure=figure)
log.info("wrote %s from %d windows (skipped: %s)", snakemake.output[0], len(emb), skipped)
