"""Every metrics table in one, the summary per representation x stack x device, its heatmaps
and the hypothesis-2 figure (rule metrics_summary)."""

from audio_umaps import runlog, tables
from audio_umaps.plots import metrics as metric_plots

log = runlog.start(snakemake.log[0])
rows = tables.read_metric_rows([*snakemake.input.tables, *snakemake.input.predictions])
tables.write("metrics", rows, snakemake.output.all)
official = metric_plots.official_table(rows)
tables.write("official", official, snakemake.output.official)
with open(snakemake.output.official_html, "w") as handle:
    handle.write(metric_plots.official_html(official))
measured = rows[rows["representation"] != ""].astype({"stack": int})
table = metric_plots.summary(measured)
tables.write("summary", table, snakemake.output.summary)
for name in metric_plots.HEATMAPS:
    metric_plots.save(metric_plots.heatmap_figure(table, name), snakemake.output[name], dpi=snakemake.params.dpi)
metric_plots.save(metric_plots.hypothesis_figure(table), snakemake.output.hypothesis, dpi=snakemake.params.dpi)
log.info("summary of %d representation x stack x device rows:\n%s", len(table), table.to_string(index=False))
