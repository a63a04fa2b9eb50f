# Bookkeeping: light, run where snakemake runs, never submitted to a cluster.
localrules:
    manifest,
    excluded_report,
    skipped_report,
    benchmark_summary,
    metrics_summary,
    predictions,
    explore_index,


rule manifest:
    """One row per audio file of a dataset, with its metadata; odd files are reported."""
    input:
        dataset_audio,
    output:
        manifest=paths.MANIFEST,
        excluded=paths.MANIFEST_EXCLUDED,
    log:
        "results/logs/manifest/{dataset}.log",
    benchmark:
        paths.BENCHMARKS["manifest"]
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        entry=lambda wildcards: PLAN.datasets[wildcards.dataset].entry,
        audio=config["audio"],
    script:
        "../scripts/manifest.py"


rule excluded_report:
    """Every file left out of a dataset, at which step and why."""
    input:
        manifest=paths.MANIFEST_EXCLUDED,
        features=feature_exclusions,
    output:
        paths.EXCLUDED_REPORT,
    log:
        "results/logs/excluded_report/{dataset}.log",
    benchmark:
        paths.BENCHMARKS["excluded_report"]
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/excluded_report.py"


rule skipped_report:
    """Every map of the run that was skipped (no windows, too few for UMAP), every section of a
    DCASE dataset whose files were all left out, and why."""
    input:
        statuses=lambda wildcards: PLAN.embedding_statuses(),
        manifests=lambda wildcards: PLAN.dcase_manifests(),
        excluded=lambda wildcards: PLAN.dcase_excluded_reports(),
    output:
        report(
            paths.SKIPPED_REPORT,
            caption="../report/skipped.rst",
            category="Run",
            labels={"what": "skipped maps"},
        ),
    log:
        "results/logs/skipped_report.log",
    benchmark:
        paths.BENCHMARKS["skipped_report"]
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        sections=PLAN.dcase_sections(),
        device_names=PLAN.device_names,
    script:
        "../scripts/skipped_report.py"


rule benchmark_summary:
    """Time and memory of every job of the run, per rule: a table and a chart for the report."""
    input:
        unpack(benchmark_files),
    output:
        table=report(
            paths.BENCHMARK_SUMMARY,
            caption="../report/benchmarks.rst",
            category="Run",
            labels={"what": "time and memory per rule (table)"},
        ),
        chart=report(
            paths.BENCHMARK_PLOT,
            caption="../report/benchmarks.rst",
            category="Run",
            labels={"what": "time and memory per rule (chart)"},
        ),
    log:
        "results/logs/benchmark_summary.log",
    benchmark:
        "results/benchmarks/benchmark_summary.tsv"
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=800,
        runtime=5,
    script:
        "../scripts/benchmark_summary.py"
