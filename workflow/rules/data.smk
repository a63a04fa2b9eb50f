# Bookkeeping: light, run where snakemake runs, never submitted to a cluster.
localrules:
    demo_data,
    manifest,
    excluded_report,


rule demo_data:
    """Synthesize the built-in demo dataset (DCASE 2021 layout plus an external folder)."""
    output:
        directory(DEMO_ROOT),
    params:
        demo=config.get("demo", {}),
        dcase_root=demo_root("dcase2021"),
        external_root=demo_root("folder"),
    log:
        "results/logs/demo_data.log",
    benchmark:
        "results/benchmarks/demo_data.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/demo_data.py"


rule manifest:
    """One row per audio file of a dataset, with its metadata; odd files are reported."""
    input:
        demo_input,
    output:
        manifest="results/manifest/{dataset}.tsv",
        excluded="results/manifest/{dataset}.excluded.tsv",
    params:
        entry=lambda wildcards: DATASETS[wildcards.dataset],
        min_duration=config["audio"]["min_duration"],
    log:
        "results/logs/manifest/{dataset}.log",
    benchmark:
        "results/benchmarks/manifest/{dataset}.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    script:
        "../scripts/manifest.py"


rule excluded_report:
    """Every file left out of a dataset, at which step and why."""
    input:
        manifest="results/manifest/{dataset}.excluded.tsv",
        features=feature_exclusions,
    output:
        "results/reports/{dataset}.excluded.tsv",
    log:
        "results/logs/excluded_report/{dataset}.log",
    benchmark:
        "results/benchmarks/excluded_report/{dataset}.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/excluded_report.py"
