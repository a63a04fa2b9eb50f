"""The files that flow through the workflow, one pattern each: manifest -> features -> samples
-> embeddings -> metrics -> plots and explorer pages, and the run's reports.

Rules use these patterns as their outputs (``paths.FEATURES``); :mod:`audio_umaps.plan` formats
them into inputs and targets, so the two can never disagree.
"""

MANIFEST = "results/manifest/{dataset}.tsv"
MANIFEST_EXCLUDED = "results/manifest/{dataset}.excluded.tsv"
FEATURES = "results/features/{dataset}/{representation}/{part}.zarr"
FEATURES_EXCLUDED = "results/features/{dataset}/{representation}/{part}.excluded.tsv"
EXCLUDED_REPORT = "results/reports/{dataset}.excluded.tsv"
SAMPLE = "results/samples/{representation}/stack{stack}/{scope}.tsv"
# Each sample and UMAP has a status beside it: how many windows, and why it is empty or skipped.
SAMPLE_STATUS = "results/samples/{representation}/stack{stack}/{scope}.json"
EMBEDDING = "results/umap/{representation}/stack{stack}/{scope}.tsv"
EMBEDDING_STATUS = "results/umap/{representation}/stack{stack}/{scope}.json"
PLOT_GLOBAL = "results/plots/{representation}/stack{stack}/global.png"
PLOT_DEVICE = "results/plots/{representation}/stack{stack}/{device}.png"
PLOT_SECTION = "results/plots/{representation}/stack{stack}/{device}_section_{section}.png"
PLOT_FOLDER = "results/plots/{representation}/stack{stack}/{folder}.png"  # folder-only runs
# Metrics (SEP, DSUP, official DCASE scores) of one representation x stack x device: the tidy
# table, one row per test file with its scores, and the UMAP's test windows with their 2-D scores.
METRICS = "results/metrics/{representation}/stack{stack}/{device}.tsv"
METRICS_FILES = "results/metrics/{representation}/stack{stack}/{device}.files.tsv"
METRICS_POINTS = "results/metrics/{representation}/stack{stack}/{device}.points.tsv"
# A system's predictions (config key predictions.<system>): its file scores, their official
# scores and every problem found in its submission files.
PREDICTIONS = "results/metrics/predictions/{system}.tsv"
PREDICTIONS_SCORES = "results/metrics/predictions/{system}.scores.tsv"
PREDICTIONS_PROBLEMS = "results/metrics/predictions/{system}.problems.tsv"
METRICS_ALL = "results/metrics/all.tsv"  # every tidy row of the run
METRICS_SUMMARY = "results/metrics/summary.tsv"  # one row per representation x stack x device
METRICS_OFFICIAL = "results/metrics/official.tsv"  # official DCASE scores per machine type and over all
METRICS_OFFICIAL_HTML = "results/metrics/official.html"  # the same, rendered as a results page
METRICS_HEATMAPS = {m: f"results/metrics/heatmaps/{m}.png" for m in ("sep_auc", "dsup_auc", "dsup_pauc", "support")}
METRICS_HYPOTHESIS = "results/metrics/hypothesis2.png"
# The explorer: a self-contained folder per scope (pages, their data, audio clips and Bokeh's
# JavaScript; audio_umaps.explore) and an index of every scope's maps.
EXPLORE_SCOPE = "results/explore/{scope}"
EXPLORE_INDEX = "results/explore/index.html"
SKIPPED_REPORT = "results/reports/skipped.tsv"
BENCHMARK_SUMMARY = "results/reports/benchmarks.tsv"
BENCHMARK_PLOT = "results/reports/benchmarks.png"
# Each rule's Snakemake benchmark (time, memory), per job; the run's summary reads them all.
BENCHMARKS = {
    "manifest": "results/benchmarks/manifest/{dataset}.tsv",
    "features": "results/benchmarks/features/{dataset}/{part}.tsv",
    "features_l3": "results/benchmarks/features_l3/{dataset}/{part}.tsv",
    "excluded_report": "results/benchmarks/excluded_report/{dataset}.tsv",
    "sample": "results/benchmarks/sample/{representation}/stack{stack}/{scope}.tsv",
    "umap": "results/benchmarks/umap/{representation}/stack{stack}/{scope}.tsv",
    "plot_global": "results/benchmarks/plot_global/{representation}/stack{stack}.tsv",
    "plot_device": "results/benchmarks/plot_device/{representation}/stack{stack}/{device}.tsv",
    "plot_section": "results/benchmarks/plot_section/{representation}/stack{stack}/{device}_{section}.tsv",
    "plot_folder": "results/benchmarks/plot_folder/{representation}/stack{stack}/{folder}.tsv",
    "skipped_report": "results/benchmarks/skipped_report.tsv",
    "metrics": "results/benchmarks/metrics/{representation}/stack{stack}/{device}.tsv",
    "predictions": "results/benchmarks/predictions/{system}.tsv",
    "metrics_summary": "results/benchmarks/metrics_summary.tsv",
    "explore": "results/benchmarks/explore/{scope}.tsv",
    "explore_index": "results/benchmarks/explore_index.tsv",
}
