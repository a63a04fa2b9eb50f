rule plot_global:
    """Every device in a colour family, a shade per section; external data as shadows."""
    input:
        umap=paths.EMBEDDING.replace("{scope}", "global"),
    output:
        report(
            paths.PLOT_GLOBAL,
            caption="../report/plot_global.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "global", "plot": "all devices"},
        ),
    log:
        "results/logs/plot_global/{representation}/stack{stack}.log",
    benchmark:
        paths.BENCHMARKS["plot_global"]
    retries: RETRIES
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject="All devices",
        style=config["plots"],
        colours=PLAN.colours(),
    script:
        "../scripts/plot_global.py"


rule plot_device:
    """Training shadows on both panels; normal test windows left, anomalous ones right."""
    input:
        umap=paths.EMBEDDING.replace("{scope}", "{device}"),
    output:
        report(
            paths.PLOT_DEVICE,
            caption="../report/plot_device.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "{device}", "plot": "device"},
        ),
    log:
        "results/logs/plot_device/{representation}/stack{stack}/{device}.log",
    benchmark:
        paths.BENCHMARKS["plot_device"]
    retries: RETRIES
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject=lambda wildcards: wildcards.device,
        style=config["plots"],
        colours=PLAN.colours(),
    script:
        "../scripts/plot_device.py"


rule plot_section:
    """One section of one device: test windows coloured per file, the approximate origin."""
    input:
        umap=paths.EMBEDDING.replace("{scope}", "{device}"),
    output:
        report(
            paths.PLOT_SECTION,
            caption="../report/plot_section.rst",
            category="{representation}",
            subcategory="stack {stack}",
            labels={"scope": "{device}", "plot": "section {section}"},
        ),
    log:
        "results/logs/plot_section/{representation}/stack{stack}/{device}_{section}.log",
    benchmark:
        paths.BENCHMARKS["plot_section"]
    retries: RETRIES
    conda:
        "../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    params:
        subject=lambda wildcards: f"{wildcards.device} section {wildcards.section}",
        style=config["plots"],
    script:
        "../scripts/plot_section.py"
