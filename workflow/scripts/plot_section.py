"""Draw one section of a device from the device's embedding (rule plot_section)."""

from audio_umaps import plots, runlog, status, tables

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
emb, skipped = tables.read_map(snakemake.input.umap, snakemake.input.status, log)
if not skipped:
    # the datasets in which every file of the section was left out (their notes say so)
    empty = status.read_empty_sections(
        {d: {w.scope: [w.section]} for d in p.datasets}, snakemake.input.manifests, snakemake.input.excluded
    )
    skipped = plots.section_note(
        emb, p.device, w.section, datasets=p.datasets, empty_in=[d for d, _, _ in empty], stack=w.stack
    )
title = plots.title(p.subject, w.representation, w.stack, emb, windowing=p.windowing)
plots.write_map(
    snakemake.output[0],
    emb,
    title=title,
    style=p.style,
    skipped=skipped,
    figure=lambda: plots.section_figure(emb, p.device, w.section, p.style, title=title),
)
log.info("wrote %s from %d windows (skipped: %s)", snakemake.output[0], len(emb), skipped)
