rule predictions:
    """A system's DCASE submission files: each row checked against the test files it scores
    (problems listed with file and line, the rest used) and scored as the official evaluator
    of each dataset's edition scores it."""
    input:
        csv=lambda wildcards: PLAN.submission_files(wildcards.system),
        manifests=lambda wildcards: PLAN.dcase_manifests(),
        ground_truth=lambda wildcards: PLAN.ground_truth_tables(),
    output:
        files=paths.PREDICTIONS,
        scores=paths.PREDICTIONS_SCORES,
        problems=paths.PREDICTIONS_PROBLEMS,
    log:
        "results/logs/predictions/{system}.log",
    benchmark:
        paths.BENCHMARKS["predictions"]
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
        manifests=lambda wildcards: PLAN.device_manifests(wildcards.device),
        umap=paths.EMBEDDING.replace("{scope}", "{device}"),
        status=paths.EMBEDDING_STATUS.replace("{scope}", "{device}"),
        predictions=lambda wildcards: PLAN.prediction_tables(),
    output:
        table=paths.METRICS,
        files=paths.METRICS_FILES,
        points=paths.METRICS_POINTS,
    log:
        "results/logs/metrics/{representation}/stack{stack}/{device}.log",
    benchmark:
        paths.BENCHMARKS["metrics"]
    conda:
        "../envs/metrics.yaml"
    threads: metrics_threads
    resources:
        mem_mb=resource("metrics", "mem_mb"),
        runtime=resource("metrics", "runtime"),
    params:
        stores=device_stores,
        sections=lambda wildcards: PLAN.evaluated_sections(wildcards.device),
        settings=config["metrics"],
        systems=lambda wildcards: list(PLAN.systems),
    script:
        "../scripts/metrics.py"


rule metrics_summary:
    """Every metrics table of the run in one, a row per representation x stack x device, the
    heatmaps and the hypothesis-2 figure."""
    input:
        tables=lambda wildcards: PLAN.metric_tables(),
        predictions=lambda wildcards: PLAN.prediction_tables(paths.PREDICTIONS_SCORES),
    output:
        all=paths.METRICS_ALL,
        summary=report(
            paths.METRICS_SUMMARY,
            caption="../report/metrics_summary.rst",
            category="Metrics",
            labels={"figure": "summary table"},
        ),
        official=paths.METRICS_OFFICIAL,
        official_html=report(
            paths.METRICS_OFFICIAL_HTML,
            caption="../report/metrics_official.rst",
            category="Metrics",
            labels={"figure": "official DCASE scores"},
        ),
        sep_auc=report(
            paths.METRICS_HEATMAPS["sep_auc"],
            caption="../report/metrics_heatmap.rst",
            category="Metrics",
            labels={"figure": "heatmap: SEP-AUC"},
        ),
        dsup_auc=report(
            paths.METRICS_HEATMAPS["dsup_auc"],
            caption="../report/metrics_heatmap.rst",
            category="Metrics",
            labels={"figure": "heatmap: DSUP-AUC"},
        ),
        dsup_pauc=report(
            paths.METRICS_HEATMAPS["dsup_pauc"],
            caption="../report/metrics_heatmap.rst",
            category="Metrics",
            labels={"figure": "heatmap: DSUP pAUC"},
        ),
        support=report(
            paths.METRICS_HEATMAPS["support"],
            caption="../report/metrics_heatmap.rst",
            category="Metrics",
            labels={"figure": "heatmap: support"},
        ),
        hypothesis=report(
            paths.METRICS_HYPOTHESIS,
            caption="../report/metrics_hypothesis.rst",
            category="Metrics",
            labels={"figure": "hypothesis 2: SEP against DSUP"},
        ),
    log:
        "results/logs/metrics_summary.log",
    benchmark:
        paths.BENCHMARKS["metrics_summary"]
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
