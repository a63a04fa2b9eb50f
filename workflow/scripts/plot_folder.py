"""Draw the map of one folder dataset, a colour per sub-folder (rule plot_folder)."""
from audio_umaps import plots, runlog, status, tables

log = runlog.start(snakemake.log[0])
p, w = snakemake.params, snakemake.wildcards
emb = tables.read_tsv(snakemake.input.umap)
skipped = status.read(snakemake.input.status)["skipped"]
tables.warn_flagged(log, emb)
title = plots.title(p.subject, w.representation, w.stack, emb)
if skipped:
    fig = plots.note_figure(p.style, title=title, note=skipped)
else:
    fig = plots.folder_figure(emb, p.style, by="subfolder", title=title)
plots.save(fig, snakemake.output[0], dpi=p.style["dpi"])
log.info("wrote %s from %d windows%s", snakemake.output[0], len(emb), f" (skipped: {skipped})" if skipped else "")
