"""Every metrics table in one, the summary per representation x stack x device, its heatmaps
and the hypothesis-2 figure (rule metrics_summary)."""
from audio_umaps import runlog, tables
from audio_umaps.plots import metrics as metric_plots

log = runlog.start(snakemake.log[0])
rows = tables.read_metric_rows([*snakemake.input.tables, *snakemake.input.predictions])
rows.to_csv(snakemake.output.all, sep="\t", index=False)
official = metric_plots.official_table(rows)
official.to_csv(snakemake.output.official, sep="\t", index=False, float_format="%.6g")
with open(snakemake.output.official_html, "w") as handle:
    handle.write(metric_plots.official_html(official))
measured = rows[rows["representation"] != ""].astype({"stack": int})
table = metric_plots.summary(measured)
table.to_csv(snakemake.output.summary, sep="\t", index=False, float_format="%.4f")
for name in metric_plots.HEATMAPS:
    metric_plots.save(metric_plots.heatmap_figure(table, name), snakemake.output[name], dpi=snakemake.params.dpi)
metric_plots.save(metric_plots.hypothesis_figure(table), snakemake.output.hypothesis, dpi=snakemake.params.dpi)
log.info("summary of %d representation x stack x device rows:\n%s", len(table), table.to_string(index=False))
