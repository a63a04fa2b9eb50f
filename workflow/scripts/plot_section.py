"""Draw one section of a device from the device's embedding (rule plot_section)."""
from audio_umaps import plots, runlog, tables

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
emb = tables.read_tsv(snakemake.input.umap)
tables.warn_flagged(log, emb)
title = plots.title(p.subject, w.representation, w.stack, emb)
fig = plots.section_figure(emb, w.device, w.section, p.style, title=title)
plots.save(fig, snakemake.output[0], dpi=p.style["dpi"])
log.info("wrote %s from %d windows", snakemake.output[0], len(emb))
