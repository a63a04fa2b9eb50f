rule manifest:
    """One row per audio file of a dataset, with its metadata; odd files are reported."""
    input:
        dataset_audio,
    output:
        manifest="results/manifest/{dataset}.tsv",
        excluded="results/manifest/{dataset}.excluded.tsv",
    log:
        "results/logs/manifest/{dataset}.log",
    benchmark:
        "results/benchmarks/manifest/{dataset}.tsv"
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
        manifest=rules.manifest.output.excluded,
        features=feature_exclusions,
    output:
        "results/reports/{dataset}.excluded.tsv",
    log:
        "results/logs/excluded_report/{dataset}.log",
    benchmark:
        "results/benchmarks/excluded_report/{dataset}.tsv"
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
        statuses=umap_statuses,
        manifests=dcase_manifests,
        excluded=dcase_excluded_reports,
    output:
        report(
            "results/reports/skipped.tsv",
            caption="../report/skipped.rst",
            category="Run",
            labels={"what": "skipped maps"},
        ),
    log:
        "results/logs/skipped_report.log",
    benchmark:
        "results/benchmarks/skipped_report.tsv"
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
    """Time and memory of every job run so far (results/benchmarks/ as it is), per rule: a table
    and a chart for the report. A target of its own: `snakemake benchmark_summary` after a run.
    """
    input:
        unpack(existing_benchmarks),
    output:
        table=report(
            "results/reports/benchmarks.tsv",
            caption="../report/benchmarks.rst",
            category="Run",
            labels={"what": "time and memory per rule (table)"},
        ),
        chart=report(
            "results/reports/benchmarks.png",
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
