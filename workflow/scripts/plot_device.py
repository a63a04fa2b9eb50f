"""Draw a device's dual plot from its embedding (rule plot_device)."""
from audio_umaps import plots, runlog

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
emb, skipped = plots.read_map(snakemake.input.umap, snakemake.input.status, log)
title = plots.title(p.subject, w.representation, w.stack, emb)
plots.write_map(snakemake.output[0], emb, title=title, style=p.style, skipped=skipped,
                figure=lambda: plots.device_figure(emb, p.device, p.style, colours=p.colours, title=title))
log.info("wrote %s from %d windows (skipped: %s)", snakemake.output[0], len(emb), skipped)
