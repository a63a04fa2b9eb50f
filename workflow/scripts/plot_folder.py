"""Draw the map of one folder dataset, a colour per sub-folder (rule plot_folder)."""

from audio_umaps import plots, runlog, tables

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
emb, skipped = tables.read_map(snakemake.input.umap, snakemake.input.status, log)
title = plots.title(p.subject, w.representation, w.stack, emb, windowing=p.windowing)
plots.write_map(
    snakemake.output[0],
    emb,
    title=title,
    style=p.style,
    skipped=skipped,
    figure=lambda: plots.folder_figure(emb, p.style, by="subfolder", title=title),
)
log.info("wrote %s from %d windows (skipped: %s)", snakemake.output[0], len(emb), skipped)
