rule predictions:
    """A system's DCASE submission files: each row checked against the test files it scores
    (problems listed with file and line, the rest used) and scored as the official evaluator
    of each dataset's edition scores it."""
    input:
        csv=lambda wildcards: PLAN.submission_files(wildcards.system),
        manifests=dcase_manifests,
        ground_truth=PLAN.ground_truth_tables(),
    output:
        files="results/metrics/predictions/{system}.tsv",
        scores="results/metrics/predictions/{system}.scores.tsv",
        problems="results/metrics/predictions/{system}.problems.tsv",
    log:
        "results/logs/predictions/{system}.log",
    benchmark:
        "results/benchmarks/predictions/{system}.tsv"
    conda:
        "../envs/metrics.yaml"
    threads: 1
    resources:
        mem_mb=800,
        runtime=5,
    params:
        folder=lambda wildcards: PLAN.systems[wildcards.system],
        ground_truths=lambda wildcards: PLAN.ground_truths(),
        sections=lambda wildcards: PLAN.evaluated_files(),
    script:
        "../scripts/predictions.py"


rule metrics:
    """SEP and DSUP of one device, in the original space (every test file, against a capped
    training bank per section) and in its UMAP's 2-D coordinates; the official DCASE score of
    the kNN and LOF detectors; the systems' predictions joined to its files and windows.
    """
    input:
        stores=lambda wildcards: list(device_stores(wildcards).values()),
        manifests=device_manifests,
        umap=rules.umap.output.umap,
        status=rules.umap.output.status,
        predictions=lambda wildcards: list(system_predictions(wildcards).values()),
    output:
        table="results/metrics/{representation}/stack{stack}/{scope}.tsv",
        files="results/metrics/{representation}/stack{stack}/{scope}.files.tsv",
        points="results/metrics/{representation}/stack{stack}/{scope}.points.tsv",
    log:
        "results/logs/metrics/{representation}/stack{stack}/{scope}.log",
    benchmark:
        "results/benchmarks/metrics/{representation}/stack{stack}/{scope}.tsv"
    wildcard_constraints:
        scope=one_of(PLAN.devices),
    conda:
        "../envs/metrics.yaml"
    threads: metrics_threads
    resources:
        mem_mb=resource("metrics", "mem_mb"),
        runtime=resource("metrics", "runtime"),
    params:
        stores=device_stores,
        sections=lambda wildcards: PLAN.evaluated_sections(wildcards.scope),
        settings=config["metrics"],
        predictions=system_predictions,
        windowing=lambda wildcards: PLAN.windowing(wildcards.representation),
    script:
        "../scripts/metrics.py"


rule metrics_summary:
    """Every metrics table of the run in one, a row per representation x stack x device, the
    heatmaps and the hypothesis-2 figure."""
    input:
        tables=metric_tables,
        predictions=lambda wildcards: list(system_scores(wildcards).values()),
    output:
        all="results/metrics/all.tsv",
        summary=report(
            "results/metrics/summary.tsv",
            caption="../report/metrics_summary.rst",
            category="Metrics",
            labels={"figure": "summary table"},
        ),
        official="results/metrics/official.tsv",
        official_html=report(
            "results/metrics/official.html",
            caption="../report/metrics_official.rst",
            category="Metrics",
            labels={"figure": "official DCASE scores"},
        ),
        sep_auc=report(
            "results/metrics/heatmaps/sep_auc.png",
            caption="../report/metrics_heatmap.rst",
            category="Metrics",
            labels={"figure": "heatmap: SEP-AUC"},
        ),
        dsup_auc=report(
            "results/metrics/heatmaps/dsup_auc.png",
            caption="../report/metrics_heatmap.rst",
            category="Metrics",
            labels={"figure": "heatmap: DSUP-AUC"},
        ),
        dsup_pauc=report(
            "results/metrics/heatmaps/dsup_pauc.png",
            caption="../report/metrics_heatmap.rst",
            category="Metrics",
            labels={"figure": "heatmap: DSUP pAUC"},
        ),
        support=report(
            "results/metrics/heatmaps/support.png",
            caption="../report/metrics_heatmap.rst",
            category="Metrics",
            labels={"figure": "heatmap: support"},
        ),
        hypothesis=report(
            "results/metrics/hypothesis2.png",
            caption="../report/metrics_hypothesis.rst",
            category="Metrics",
            labels={"figure": "hypothesis 2: SEP against DSUP"},
        ),
    log:
        "results/logs/metrics_summary.log",
    benchmark:
        "results/benchmarks/metrics_summary.tsv"
    conda:
        "../envs/metrics.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/metrics_summary.py"
