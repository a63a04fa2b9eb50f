"""Draw a device's dual plot from its embedding (rule plot_device); with config key
plots.colour_by_system, its test windows coloured by that system's scores."""

from audio_umaps import plots, runlog, tables

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
emb, skipped = tables.read_map(snakemake.input.umap, snakemake.input.status, log)
title = plots.title(p.subject, w.representation, w.stack, emb, windowing=p.windowing)
scores = tables.read_scores(snakemake.input.points, p.system) if p.system and not skipped else None
plots.write_map(
    snakemake.output[0],
    emb,
    title=title,
    style=p.style,
    skipped=skipped,
    figure=lambda: plots.device_figure(
        emb, p.device, p.style, colours=p.colours, title=title, scores=scores, system=p.system or "the system"
    ),
)
log.info(
    "wrote %s from %d windows (skipped: %s; coloured by: %s)",
    snakemake.output[0],
    len(emb),
    skipped,
    p.system or "section and domain",
)
