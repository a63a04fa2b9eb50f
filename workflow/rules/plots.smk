rule plot_global:
    """Every device in a colour family, a shade per section; external data as shadows."""
    input:
        "results/umap/{representation}/stack{stack}/global.tsv",
    output:
        "results/plots/{representation}/stack{stack}/global.png",
    params:
        style=config["plots"],
        colours=external_colours(),
    log:
        "results/logs/plot_global/{representation}/stack{stack}.log",
    benchmark:
        "results/benchmarks/plot_global/{representation}/stack{stack}.tsv"
    conda:
        "../../envs/plots.yaml"
    threads: 1
    retries: RETRIES
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    script:
        "../scripts/plot.py"


rule plot_device:
    """Training shadows on both panels; normal test windows left, anomalous ones right."""
    input:
        "results/umap/{representation}/stack{stack}/{device}.tsv",
    output:
        "results/plots/{representation}/stack{stack}/{device}.png",
    params:
        style=config["plots"],
        colours=external_colours(),
    log:
        "results/logs/plot_device/{representation}/stack{stack}/{device}.log",
    benchmark:
        "results/benchmarks/plot_device/{representation}/stack{stack}/{device}.tsv"
    conda:
        "../../envs/plots.yaml"
    threads: 1
    retries: RETRIES
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    script:
        "../scripts/plot.py"


rule plot_section:
    """One section of one device: test windows coloured per file, the approximate origin."""
    input:
        "results/umap/{representation}/stack{stack}/{device}.tsv",
    output:
        "results/plots/{representation}/stack{stack}/{device}_section_{section}.png",
    params:
        style=config["plots"],
    log:
        "results/logs/plot_section/{representation}/stack{stack}/{device}_{section}.log",
    benchmark:
        "results/benchmarks/plot_section/{representation}/stack{stack}/{device}_{section}.tsv"
    conda:
        "../../envs/plots.yaml"
    threads: 1
    retries: RETRIES
    resources:
        mem_mb=resource("plot", "mem_mb"),
        runtime=resource("plot", "runtime"),
    script:
        "../scripts/plot.py"
