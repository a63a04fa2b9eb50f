"""Draw the global plot of one embedding (rule plot_global): every device, external data as
shadows; in a run without DCASE data, every folder dataset in its own colour."""
from audio_umaps import plots, runlog, status, tables

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
emb = tables.read_tsv(snakemake.input.umap)
skipped = status.read(snakemake.input.status)["skipped"]
tables.warn_flagged(log, emb)
title = plots.title(p.subject, w.representation, w.stack, emb)
if skipped:
    fig = plots.note_figure(p.style, title=title, note=skipped)
elif p.folder_only:
    fig = plots.folder_figure(emb, p.style, by="dataset", title=title)
else:
    fig = plots.global_figure(emb, p.style, colours=p.colours, title=title)
plots.save(fig, snakemake.output[0], dpi=p.style["dpi"])
log.info("wrote %s from %d windows%s", snakemake.output[0], len(emb), f" (skipped: {skipped})" if skipped else "")
