"""Draw a global, device or section plot from one embedding (rules plot_global, plot_device,
plot_section)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))
from audio_umaps import plots, runlog, store, tables  # noqa: E402

log = runlog.start(snakemake.log[0])
w = snakemake.wildcards
emb = tables.read_tsv(snakemake.input[0])
style = snakemake.params.style
where = f"{w.representation}, stack {w.stack}"
if store.flag_random_weights(log, emb["store"].unique()):
    where += " (RANDOM TEST WEIGHTS, not OpenL3)"
if snakemake.rule == "plot_global":
    plots.plot_global(emb, snakemake.output[0], style, snakemake.params.colours, f"All devices: {where}")
elif snakemake.rule == "plot_device":
    plots.plot_device(emb, w.device, snakemake.output[0], style, snakemake.params.colours,
                      f"{w.device}: {where}")
else:
    plots.plot_section(emb, w.device, w.section, snakemake.output[0], style, style["origin"],
                       f"{w.device} section {w.section}: {where}")
log.info("wrote %s from %d windows", snakemake.output[0], len(emb))
